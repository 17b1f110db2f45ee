-- Network counters per cell and month over the network window [{m3}, {m0}): sums only,
-- so that every KPI built on them downstream stays a ratio of sums.
-- A global stage: computed once, then joined to each bucket of customers.
SELECT cell_id,
       @month_start(day) AS month,
       SUM(rrc_att) AS rrc_att,
       SUM(rrc_succ) AS rrc_succ,
       SUM(rab_att) AS rab_att,
       SUM(rab_succ) AS rab_succ,
       SUM(rab_abnormal_rel) AS rab_abnormal_rel,
       SUM(ho_att) AS ho_att,
       SUM(ho_succ) AS ho_succ,
       SUM(samples) AS samples,
       SUM(weak_samples) AS weak_samples,
       SUM(throughput_kbps) AS thr_sum,
       COUNT(throughput_kbps) AS thr_days,
       COUNT(*) AS kpi_days
FROM cell_kpi_daily
WHERE day >= {m3} AND day < {m0}
GROUP BY cell_id, @month_start(day)
