"""Declarative base with a naming convention Alembic can rely on."""

from __future__ import annotations

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def import_all_models() -> None:
    """Import every module that declares tables, so metadata is complete."""
    import weixi.callbacks.models
    import weixi.customers.contacts
    import weixi.customers.models
    import weixi.customers.usage
    import weixi.network.models
    import weixi.notifications.models
    import weixi.org.models
    import weixi.versioned.models
    import weixi.workorders.models  # noqa: F401
