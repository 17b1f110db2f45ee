-- Customer features as of {as_of}: the aggregates the catalogue (catalogue.py) selects from.
-- Portable SQL (DuckDB and Spark SQL) with @shims; braced names are literals set by Python.
-- Only facts dated before {as_of} are read; monthly tables only months before {m0}.
-- Every aggregate is per customer, so the engine may run this per bucket of customers.
WITH
pop AS (
    SELECT customer_id, activated_on, contract_end_on, device_bought_on, payment, segment,
           device_is_iphone
    FROM customers
    WHERE activated_on < {as_of}
      AND (deactivated_on IS NULL OR deactivated_on >= {as_of})
),
u AS (
    SELECT customer_id,
           COUNT(*) AS months_observed,
           MAX(CASE WHEN month = {m1} THEN voice_minutes END) AS voice_last,
           AVG(CASE WHEN month < {m1} THEN voice_minutes END) AS voice_prev_avg,
           MAX(CASE WHEN month = {m1} THEN data_mb END) AS data_last,
           AVG(CASE WHEN month < {m1} THEN data_mb END) AS data_prev_avg,
           MAX(CASE WHEN month = {m1} THEN roaming_minutes END) AS roaming_last,
           MAX(CASE WHEN month = {m1} THEN dropped_calls END) AS dropped_last,
           MAX(CASE WHEN month = {m1} THEN bill_amount END) AS bill_last,
           AVG(CASE WHEN month < {m1} THEN bill_amount END) AS bill_prev_avg,
           COUNT(CASE WHEN month < {m1} THEN bill_amount END) AS bill_prev_months,
           AVG(bill_amount) AS bill_avg,
           STDDEV_SAMP(bill_amount) AS bill_std,
           AVG(CASE WHEN month >= {m3} THEN bill_amount END) AS arpu_3m,
           MAX(CASE WHEN month = {m1} THEN arrears END) AS arrears_last,
           SUM(CASE WHEN arrears > 0 THEN 1 ELSE 0 END) AS arrears_months,
           MAX(CASE WHEN month = {m1} THEN topup_amount END) AS topup_last,
           AVG(CASE WHEN month < {m1} THEN topup_amount END) AS topup_prev_avg,
           SUM(topup_amount) AS topup_total,
           SUM(CASE WHEN plan_changed THEN 1 ELSE 0 END) AS plan_changes
    FROM usage_monthly
    WHERE month >= {m6} AND month < {m0}
    GROUP BY customer_id
),
c AS (
    SELECT k.customer_id,
           MAX(CASE WHEN kind = 'complaint' THEN k.at END) AS last_complaint_at,
           SUM(CASE WHEN kind = 'complaint' AND k.at >= {d90} THEN 1 ELSE 0 END)
               AS complaints_90d,
           SUM(CASE WHEN kind = 'complaint' AND k.at >= {d180} AND NOT resolved THEN 1 ELSE 0 END)
               AS unresolved_180d,
           SUM(CASE WHEN kind = 'complaint' AND category = 'network' AND k.at >= {d90}
                    THEN 1 ELSE 0 END) AS network_complaints_90d,
           SUM(CASE WHEN kind = 'complaint' AND category = 'billing' AND k.at >= {d90}
                    THEN 1 ELSE 0 END) AS billing_complaints_90d,
           SUM(CASE WHEN kind = 'fault_report' AND k.at >= {d90} THEN 1 ELSE 0 END)
               AS fault_reports_90d,
           SUM(CASE WHEN k.at >= {d90} THEN 1 ELSE 0 END) AS contacts_90d,
           AVG(CASE WHEN k.at >= {d90} THEN CAST(satisfaction AS DOUBLE) END)
               AS satisfaction_90d
    FROM contacts k
    WHERE k.at < {as_of_ts}
    GROUP BY k.customer_id
),
o AS (
    SELECT customer_id,
           SUM(CASE WHEN (completed_at < {as_of_ts} AND completed_at > promised_at)
                      OR ((completed_at IS NULL OR completed_at >= {as_of_ts})
                          AND promised_at < {as_of_ts})
                    THEN 1 ELSE 0 END) AS late_orders,
           SUM(CASE WHEN completed_at IS NULL OR completed_at >= {as_of_ts}
                    THEN 1 ELSE 0 END) AS open_orders
    FROM fixed_orders
    WHERE opened_at < {as_of_ts} AND opened_at >= {d180}
    GROUP BY customer_id
),
p AS (
    SELECT customer_id,
           COUNT(*) AS product_count,
           SUM(monthly_fee) AS fee_total,
           MAX(CASE WHEN kind IN ('mobile_2g', 'mobile_3g') THEN monthly_fee END) AS mobile_fee,
           MAX(CASE WHEN kind = 'mobile_3g' THEN monthly_fee END) AS fee_3g,
           MAX(CASE WHEN kind = 'mobile_3g' THEN 1 ELSE 0 END) AS has_3g,
           MAX(CASE WHEN kind = 'fixed_line' THEN 1 ELSE 0 END) AS has_fixed,
           MAX(CASE WHEN kind = 'broadband' THEN 1 ELSE 0 END) AS has_broadband
    FROM products
    WHERE started_on < {as_of} AND (ended_on IS NULL OR ended_on >= {as_of})
    GROUP BY customer_id
),
cc AS (
    SELECT x.customer_id, x.cell_id, x.traffic_share AS w,
           km.rrc_att, km.rrc_succ, km.rab_att, km.rab_succ, km.rab_abnormal_rel,
           km.ho_att, km.ho_succ, km.samples, km.weak_samples, km.thr_sum, km.thr_days,
           km.kpi_days
    FROM customer_cells x
    JOIN cell_month km ON km.cell_id = x.cell_id AND km.month = x.month
    WHERE x.month >= {m3} AND x.month < {m0}
),
cell_use AS (
    SELECT customer_id, cell_id,
           SUM(w) / COUNT(*) AS share,
           SUM(rab_abnormal_rel) AS drops, SUM(rab_succ) AS rab_succ, SUM(kpi_days) AS kpi_days,
           SUM(w * rrc_succ) AS w_rrc_succ, SUM(w * rrc_att) AS w_rrc_att,
           SUM(w * rab_succ) AS w_rab_succ, SUM(w * rab_att) AS w_rab_att,
           SUM(w * rab_abnormal_rel) AS w_drops,
           SUM(w * ho_succ) AS w_ho_succ, SUM(w * ho_att) AS w_ho_att,
           SUM(w * weak_samples) AS w_weak, SUM(w * samples) AS w_samples,
           SUM(w * thr_sum) AS w_thr_sum, SUM(w * thr_days) AS w_thr_days
    FROM cc
    GROUP BY customer_id, cell_id
),
n AS (
    SELECT customer_id,
           COUNT(*) AS cells_used,
           SUM(w_rrc_succ) AS w_rrc_succ, SUM(w_rrc_att) AS w_rrc_att,
           SUM(w_rab_succ) AS w_rab_succ, SUM(w_rab_att) AS w_rab_att,
           SUM(w_drops) AS w_drops,
           SUM(w_ho_succ) AS w_ho_succ, SUM(w_ho_att) AS w_ho_att,
           SUM(w_weak) AS w_weak, SUM(w_samples) AS w_samples,
           SUM(w_thr_sum) AS w_thr_sum, SUM(w_thr_days) AS w_thr_days
    FROM cell_use
    GROUP BY customer_id
),
wc AS (
    SELECT customer_id, cell_id, drop_rate, drops_per_day
    FROM (
        SELECT customer_id, cell_id,
               CAST(drops AS DOUBLE) / rab_succ AS drop_rate,
               CAST(drops AS DOUBLE) / NULLIF(kpi_days, 0) AS drops_per_day,
               ROW_NUMBER() OVER (
                   PARTITION BY customer_id
                   ORDER BY CAST(drops AS DOUBLE) / rab_succ DESC, share DESC, cell_id ASC
               ) AS rank_in_customer
        FROM cell_use
        WHERE rab_succ > 0 AND share >= {worst_cell_min_share}
    ) ranked
    WHERE rank_in_customer = 1
)
SELECT pop.customer_id,
       {as_of} AS as_of,
       {feature_columns}
FROM pop
LEFT JOIN u ON u.customer_id = pop.customer_id
LEFT JOIN c ON c.customer_id = pop.customer_id
LEFT JOIN o ON o.customer_id = pop.customer_id
LEFT JOIN p ON p.customer_id = pop.customer_id
LEFT JOIN n ON n.customer_id = pop.customer_id
LEFT JOIN wc ON wc.customer_id = pop.customer_id
