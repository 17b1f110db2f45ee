"""Indexes for the supervisor dashboard: orders by kind and status with their SLA columns,
and the control group by stage and area.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

FIGURES = [
    "kind",
    "status",
    "city_id",
    "county_id",
    "sla_breached",
    "resolution_due",
    "resolved_at",
]
CONTROL = ["control_group", "lifecycle_stage", "city_id", "county_id"]


def upgrade() -> None:
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.create_index("ix_work_orders_figures", FIGURES, unique=False)
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index("ix_customers_control_stage", CONTROL, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_control_stage")
    with op.batch_alter_table("work_orders", schema=None) as batch_op:
        batch_op.drop_index("ix_work_orders_figures")
