"""Keep a customer's first placement on its standing row, not as two customer events.

A province's first night places every customer: until now that appended two customer
events each (tier "— → gold", stage "— → onboarding"), the largest single write of the
night (2.06 M rows at a million customers: 9.2 s of the dispatch step's 26.6 s of
statement time in PostgreSQL; docs/benchmarks.md, 2026-12-03). The standing row is written for
every such customer anyway, so the first placement now goes there, once, with the row's
insert: the night (``placed_on``), the tier and the rule that placed it, the stage and
its rule. ``customer_events`` keeps what it is named for, changes: a tier, stage or
manager that moved from one value to another.

Standings placed before this revision have no ``placed_*`` values; their first placement
stays where it was written, among the events. Downgrading writes the placements back as
events (at midnight UTC of ``placed_on``: the standing kept the night, not the hour).

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customer_standing", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("placed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("placed_tier", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("placed_tier_rule", sa.String(80), nullable=True))
        batch_op.add_column(sa.Column("placed_stage", sa.String(20), nullable=True))
        batch_op.add_column(sa.Column("placed_stage_rule", sa.String(120), nullable=True))


def downgrade() -> None:
    midnight = (
        "CAST(placed_on AS timestamp) AT TIME ZONE 'UTC'"
        if op.get_bind().dialect.name == "postgresql"
        else "placed_on || ' 00:00:00.000000'"
    )
    for kind, value, rule in (
        ("tier", "placed_tier", "placed_tier_rule"),
        ("stage", "placed_stage", "placed_stage_rule"),
    ):
        op.execute(
            "INSERT INTO customer_events "
            "(customer_id, kind, old_value, new_value, rule, as_of, at) "
            f"SELECT customer_id, '{kind}', NULL, {value}, {rule}, placed_on, {midnight} "
            "FROM customer_standing WHERE placed_on IS NOT NULL ORDER BY customer_id"
        )
    with op.batch_alter_table("customer_standing", recreate="never") as batch_op:
        for name in (
            "placed_stage_rule",
            "placed_stage",
            "placed_tier_rule",
            "placed_tier",
            "placed_on",
        ):
            batch_op.drop_column(name)
