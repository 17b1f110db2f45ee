"""Drop the single-column work-order indexes on county_id and handler_id.

Each is the leading column of a composite index, ix_work_orders_county_status
(county_id, status) and ix_work_orders_handler_status (handler_id, status), which
answers the same lookups (the county filter, "my orders", the handler's open load,
the foreign-key check on handler_id). Every insert and every status change (not a
HOT update: status is indexed) wrote both for nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

REDUNDANT = {"ix_work_orders_county_id": "county_id", "ix_work_orders_handler_id": "handler_id"}


def upgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        for name in REDUNDANT:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        for name, column in REDUNDANT.items():
            batch_op.create_index(name, [column], unique=False)
