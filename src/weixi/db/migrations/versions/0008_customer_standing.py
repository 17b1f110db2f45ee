"""Move the nightly fields of a customer into their own narrow table, customer_standing.

Tier, tier rule, lifecycle stage and its date, churn score, reasons, date scored and
control-group flag are written by the nightly cycle for every customer whose values
move; on a province's first night that is every customer. Rewritten in place, each
change copied the whole wide customer row and inserted into each of its seven indexes
(25–30 µs per customer in PostgreSQL, most of a ten-million-customer first night). A
standing row has one index and is written by COPY when new.

The composite indexes that led with these fields go: county_id gets its own index back
(the county scope filter and the foreign key), and the dashboard's control group is a
partial index on the standing.

Neither the standing nor the customer events (about two per customer on a first night)
carry a foreign key to customers any more. PostgreSQL checks one by locking the
customer row (``SELECT … FOR KEY SHARE``), which writes to the customer's heap page: at
a million customers that was 3.9 s of the standings' 5.4 s and 6.7 s of the events'
12.8 s. What the key guarded is kept another way: customers are never deleted (a
customer leaves by deactivation and keeps their history), and the database now refuses
a DELETE on customers; the nightly cycle writes only ids it has just read from there.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from weixi.db.types import JSONType

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

MOVED = (
    "tier",
    "tier_rule",
    "lifecycle_stage",
    "stage_since",
    "churn_score",
    "churn_reasons",
    "scored_on",
    "control_group",
)


def _columns() -> list[sa.Column[object]]:
    return [
        sa.Column("tier", sa.String(20), nullable=True),
        sa.Column("tier_rule", sa.String(80), nullable=True),
        sa.Column("lifecycle_stage", sa.String(20), nullable=True),
        sa.Column("stage_since", sa.Date(), nullable=True),
        sa.Column("churn_score", sa.Float(), nullable=True),
        sa.Column("churn_reasons", JSONType, nullable=True),
        sa.Column("scored_on", sa.Date(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "customer_standing",
        sa.Column("customer_id", sa.Integer(), nullable=False),
        *_columns(),
        sa.Column("control_group", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", name=op.f("pk_customer_standing")),
    )
    names = ", ".join(MOVED)
    op.execute(
        f"INSERT INTO customer_standing (customer_id, {names}) "
        f"SELECT id, {names} FROM customers WHERE tier IS NOT NULL "
        "OR lifecycle_stage IS NOT NULL OR churn_score IS NOT NULL OR scored_on IS NOT NULL "
        "OR control_group"
    )
    control = sa.text("control_group")
    op.create_index(
        "ix_customer_standing_control",
        "customer_standing",
        ["lifecycle_stage"],
        postgresql_where=control,
        sqlite_where=control,
    )
    op.drop_index("ix_customers_county_stage", table_name="customers")
    op.drop_index("ix_customers_control_stage", table_name="customers")
    op.create_index("ix_customers_county_id", "customers", ["county_id"])
    with op.batch_alter_table("customers", recreate="never") as batch_op:
        for name in MOVED:
            batch_op.drop_column(name)
    _never_delete_customers()
    with op.batch_alter_table("customer_events") as batch_op:
        batch_op.drop_constraint("fk_customer_events_customer_id_customers", type_="foreignkey")
    _append_only_events_again()


def _append_only_events_again() -> None:
    """SQLite's batch mode rebuilt customer_events, and its triggers (0002) went with it."""
    if op.get_bind().dialect.name == "postgresql":
        return
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER customer_events_no_{verb.lower()} BEFORE {verb} ON customer_events "
            "BEGIN SELECT RAISE(ABORT, 'customer_events is append-only'); END"
        )


def _never_delete_customers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION weixi_refuse_delete() RETURNS trigger AS $$
            BEGIN
              RAISE EXCEPTION '% rows are never deleted (deactivate instead)', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER customers_never_deleted BEFORE DELETE ON customers "
            "FOR EACH ROW EXECUTE FUNCTION weixi_refuse_delete()"
        )
    else:
        op.execute(
            "CREATE TRIGGER customers_never_deleted BEFORE DELETE ON customers "
            "BEGIN SELECT RAISE(ABORT, 'customers rows are never deleted (deactivate instead)'); "
            "END"
        )


def downgrade() -> None:
    with op.batch_alter_table("customer_events") as batch_op:
        batch_op.create_foreign_key(
            "fk_customer_events_customer_id_customers", "customers", ["customer_id"], ["id"]
        )
    _append_only_events_again()
    op.execute(
        "DROP TRIGGER customers_never_deleted"
        + (" ON customers" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION weixi_refuse_delete()")
    with op.batch_alter_table("customers", recreate="never") as batch_op:
        for column in _columns():
            batch_op.add_column(column)
        batch_op.add_column(
            sa.Column("control_group", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    for name in MOVED:
        op.execute(
            f"UPDATE customers SET {name} = (SELECT s.{name} FROM customer_standing s "
            "WHERE s.customer_id = customers.id) "
            "WHERE id IN (SELECT customer_id FROM customer_standing)"
        )
    op.drop_index("ix_customers_county_id", table_name="customers")
    op.create_index(
        "ix_customers_control_stage",
        "customers",
        ["control_group", "lifecycle_stage", "city_id", "county_id"],
    )
    op.create_index("ix_customers_county_stage", "customers", ["county_id", "lifecycle_stage"])
    op.drop_index("ix_customer_standing_control", table_name="customer_standing")
    op.drop_table("customer_standing")
