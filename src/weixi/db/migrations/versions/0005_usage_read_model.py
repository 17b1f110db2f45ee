"""customer_usage_monthly: each customer's monthly usage and bills (the 360 view's chart)

The primary key (customer_id, month) is the index the 360 view reads.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customer_usage_monthly",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("voice_minutes", sa.Float(), nullable=False),
        sa.Column("data_mb", sa.Float(), nullable=False),
        sa.Column("sms", sa.Integer(), nullable=False),
        sa.Column("bill_amount", sa.Float(), nullable=False),
        sa.Column("dropped_calls", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_usage_monthly_customer_id_customers"),
        ),
        sa.PrimaryKeyConstraint("customer_id", "month", name=op.f("pk_customer_usage_monthly")),
    )


def downgrade() -> None:
    op.drop_table("customer_usage_monthly")
