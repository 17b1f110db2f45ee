"""Let a customer's account manager change in place: no index on it, room on each page.

The nightly assignment moves the customers whose manager leaves, fills up or changes
with their tier, and releases those who no longer need one; on a province's first night
at ten million that changed the manager of 1,311,427 customers (docs/benchmarks.md,
2026-12-03). Each change rewrote the wide customer row as a new version on another
page, with a new entry in each of its six indexes: 126 µs a customer in PostgreSQL's
time during the dispatch step at a million (44 µs for the same UPDATE alone).

Two changes make the move a heap-only (HOT) update, which writes no index at all:

* ``ix_customers_account_manager_id`` goes. No query looks customers up by manager
  (orders carry their own manager; the assignment reads every customer anyway). The
  foreign key keeps its check; only deleting a staff row would now scan the customers,
  and nothing deletes staff (they leave by deactivation).
* PostgreSQL fills customer pages to 90 % (``fillfactor``), so that the new version of a
  row fits on its own page. This applies to pages written from now on: a database
  imported before this revision gets the room as its rows are next rewritten (or at
  once with ``VACUUM FULL customers``).

Measured after: 27 µs a change at a million; at ten million 77 % of the changes were
heap-only.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FILLFACTOR = 90


def upgrade() -> None:
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_account_manager_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE customers SET (fillfactor = {FILLFACTOR})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE customers RESET (fillfactor)")
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_account_manager_id", ["account_manager_id"], unique=False
        )
