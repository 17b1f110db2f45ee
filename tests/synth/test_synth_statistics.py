"""The synthetic operator behaves like a real one: rates, mixes, ranges and learnable causes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from weixi.ingest.schema import TABLES, ChurnDriver


def one(con: duckdb.DuckDBPyConnection, query: str) -> tuple[Any, ...]:
    row = con.execute(query).fetchone()
    assert row is not None
    return row


def test_every_file_has_exactly_the_schema_of_its_table(province: Path) -> None:
    for table in TABLES.values():
        schema = pq.read_schema(province / table.file_name("parquet"))
        assert schema.names == list(table.column_names), table.name
        for f in table.arrow_schema():
            assert schema.field(f.name).type == f.type, (table.name, f.name)


def test_ground_truth_is_kept_out_of_the_import_files(province: Path) -> None:
    assert (province / "_truth" / "churn_truth.parquet").exists()
    assert not (province / "churn_truth.parquet").exists()


def test_organisation_is_shandong_2010_with_17_cities_and_140_counties(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    kinds = dict(sql.execute("SELECT kind, count(*) FROM org_units GROUP BY 1").fetchall())
    assert kinds["province"] == 1
    assert kinds["city"] == 17
    assert kinds["county"] == 140
    assert kinds["hotline_centre"] == 1
    assert one(sql, "SELECT count(*) FROM org_units WHERE kind='city' AND name_zh='莱芜市'")[0] == 1


def test_monthly_churn_is_between_one_and_three_percent(sql: duckdb.DuckDBPyConnection) -> None:
    rows = sql.execute(
        """SELECT u.month, count(*) AS active,
                  (SELECT count(*) FROM churn_truth t WHERE t.churn_month = u.month) AS churned
           FROM usage_monthly u GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    rates = [churned / active for _, active, churned in rows[1:]]
    assert 0.01 <= sum(rates) / len(rates) <= 0.03
    assert all(0.005 <= r <= 0.04 for r in rates)


def test_churned_customers_are_deactivated_and_silent_afterwards(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    mismatched = one(
        sql,
        """SELECT count(*) FROM churn_truth t JOIN customers c USING (customer_id)
           WHERE c.deactivated_on IS NULL
              OR date_trunc('month', c.deactivated_on) <> t.churn_month""",
    )[0]
    assert mismatched == 0
    later_usage = one(
        sql,
        """SELECT count(*) FROM usage_monthly u JOIN churn_truth t USING (customer_id)
           WHERE u.month > t.churn_month""",
    )[0]
    assert later_usage == 0
    assert (
        one(sql, "SELECT count(*) FROM customers WHERE deactivated_on IS NOT NULL")[0]
        == one(sql, "SELECT count(*) FROM churn_truth")[0]
    )


def test_every_churn_driver_occurs(sql: duckdb.DuckDBPyConnection) -> None:
    drivers = {r[0] for r in sql.execute("SELECT DISTINCT driver FROM churn_truth").fetchall()}
    assert drivers == {d.value for d in ChurnDriver}


def test_customers_on_poor_cells_churn_measurably_more(sql: duckdb.DuckDBPyConnection) -> None:
    """Perception from the import files alone: traffic-weighted weak-coverage share."""
    top, rest = one(
        sql,
        """WITH cell AS (SELECT cell_id, sum(weak_samples) / sum(samples) AS weak
                         FROM cell_kpi_daily GROUP BY 1),
           perception AS (SELECT customer_id, sum(traffic_share * weak) / count(DISTINCT month) AS p
                          FROM customer_cells JOIN cell USING (cell_id) GROUP BY 1),
           ranked AS (SELECT customer_id, ntile(10) OVER (ORDER BY p) AS decile FROM perception)
           SELECT avg(CASE WHEN decile = 10 THEN (t.customer_id IS NOT NULL)::INT END),
                  avg(CASE WHEN decile < 10 THEN (t.customer_id IS NOT NULL)::INT END)
           FROM ranked LEFT JOIN churn_truth t USING (customer_id)""",
    )
    assert top > 1.5 * rest


def test_bill_shock_shows_in_bills_before_churn(sql: duckdb.DuckDBPyConnection) -> None:
    shocked, other = one(
        sql,
        """WITH b AS (SELECT customer_id, month, bill_amount,
                        avg(bill_amount) OVER (PARTITION BY customer_id ORDER BY month
                            ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) AS prior
                      FROM usage_monthly)
           SELECT avg(CASE WHEN t.driver = 'bill_shock' THEN b.bill_amount / b.prior END),
                  avg(CASE WHEN t.driver <> 'bill_shock' THEN b.bill_amount / b.prior END)
           FROM churn_truth t JOIN b ON b.customer_id = t.customer_id
            AND b.month = t.churn_month - INTERVAL 1 MONTH
           WHERE b.prior > 0""",
    )
    assert shocked > 1.5 * other


def test_plan_mix_follows_2010_unicom_tiers(sql: duckdb.DuckDBPyConnection) -> None:
    share_3g = one(
        sql,
        """SELECT avg((kind = 'mobile_3g')::INT) FROM products
           WHERE kind IN ('mobile_2g', 'mobile_3g') AND ended_on IS NULL""",
    )[0]
    assert 0.08 <= share_3g <= 0.30
    fees = {
        r[0]
        for r in sql.execute(
            "SELECT DISTINCT monthly_fee FROM products WHERE kind='mobile_3g'"
        ).fetchall()
    }
    assert fees <= {46, 66, 96, 126, 156, 186, 226, 286, 386, 586, 886}
    top = one(
        sql,
        """SELECT plan_code FROM products WHERE kind = 'mobile_3g'
           GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""",
    )
    assert top[0] == "3G-96"


def test_every_3g_customer_from_66_yuan_has_an_account_manager(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    without = one(
        sql,
        """SELECT count(*) FROM products p JOIN customers c USING (customer_id)
           WHERE p.kind = 'mobile_3g' AND p.monthly_fee >= 66 AND p.product_id LIKE '%0'
             AND c.account_manager_id IS NULL""",
    )[0]
    assert without == 0


def test_complaint_rate_is_realistic(sql: duckdb.DuckDBPyConnection) -> None:
    complaints = one(sql, "SELECT count(*) FROM contacts WHERE kind = 'complaint'")[0]
    customer_months = one(sql, "SELECT count(*) FROM usage_monthly")[0]
    assert 0.003 <= complaints / customer_months <= 0.03
    categories = {
        r[0]
        for r in sql.execute(
            "SELECT DISTINCT category FROM contacts WHERE kind='complaint'"
        ).fetchall()
    }
    assert categories == {"network", "billing", "service", "product", "fixed_line_timeliness"}


def test_cell_counters_respect_ratio_invariants_and_realistic_ranges(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    broken = one(
        sql,
        """SELECT count(*) FROM cell_kpi_daily WHERE rrc_succ > rrc_att OR rab_succ > rab_att
           OR rab_abnormal_rel > rab_succ OR ho_succ > ho_att OR weak_samples > samples""",
    )[0]
    assert broken == 0
    access, drop, ho = one(
        sql,
        """SELECT 100 * sum(rrc_succ) / sum(rrc_att) * sum(rab_succ) / sum(rab_att),
                  100 * sum(rab_abnormal_rel) / sum(rab_succ), 100 * sum(ho_succ) / sum(ho_att)
           FROM cell_kpi_daily""",
    )
    assert 95 <= access <= 100
    assert 0.2 <= drop <= 5  # MIIT 3G ceiling: 5 %
    assert 93 <= ho <= 100


def test_traffic_shares_sum_to_one_per_customer_month(sql: duckdb.DuckDBPyConnection) -> None:
    worst = one(
        sql,
        """SELECT max(abs(s - 1)) FROM (SELECT sum(traffic_share) AS s FROM customer_cells
           GROUP BY customer_id, month)""",
    )[0]
    assert worst < 1e-6


def test_fixed_line_orders_are_mostly_on_time_with_rural_limits(
    sql: duckdb.DuckDBPyConnection,
) -> None:
    late, rural_limit = one(
        sql,
        """SELECT avg((completed_at > promised_at)::INT),
                  max(CASE WHEN o.kind = 'repair' AND u.rural THEN promised_at - opened_at END)
           FROM fixed_orders o JOIN org_units u ON u.unit_id = o.county_id""",
    )
    assert 0.05 <= late <= 0.3
    assert rural_limit.total_seconds() == 72 * 3600


def test_staff_proportions_follow_the_article(sql: duckdb.DuckDBPyConnection) -> None:
    roles = dict(sql.execute("SELECT role, count(*) FROM staff GROUP BY 1").fetchall())
    assert roles["account_manager"] >= 140  # at least one per county at small scale
    assert {"hall_agent", "hotline_agent", "supervisor", "department_handler", "admin"} <= set(
        roles
    )
    seats = {
        r[0]
        for r in sql.execute(
            "SELECT DISTINCT seat FROM staff WHERE role='hotline_agent'"
        ).fetchall()
    }
    assert seats == {"ordinary", "expert"}
