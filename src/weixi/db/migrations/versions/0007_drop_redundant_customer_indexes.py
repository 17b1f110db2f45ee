"""Drop three customer indexes that no query needs: county_id, tier, lifecycle_stage.

county_id is the leading column of ix_customers_county_stage (county_id,
lifecycle_stage), which answers the county scope filter and the foreign-key check on
it. Nothing filters on tier or on lifecycle_stage alone: the console counts stages
inside a county or city, through the composite indexes. The nightly cycle rewrites
tier and stage of every customer whose values move, and the first night of a province
moves all of them; each index on a changed column is written again for every such row
(at ten million customers, about 2 s of PostgreSQL time per index and million rows).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

REDUNDANT = {
    "ix_customers_county_id": "county_id",
    "ix_customers_tier": "tier",
    "ix_customers_lifecycle_stage": "lifecycle_stage",
}


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name in REDUNDANT:
            batch_op.drop_index(name)


def downgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        for name, column in REDUNDANT.items():
            batch_op.create_index(name, [column], unique=False)
