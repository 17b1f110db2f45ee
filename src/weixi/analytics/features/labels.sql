-- Training label as of {as_of}: did the customer churn (deactivated_on) within
-- [{as_of}, {label_end})? Same population as features.sql: active at {as_of}; customers
-- already deactivated before {as_of} and not yet activated are left out.
SELECT customer_id,
       {as_of} AS as_of,
       CAST(CASE WHEN deactivated_on IS NOT NULL AND deactivated_on < {label_end}
                 THEN 1 ELSE 0 END AS BIGINT) AS churned,
       deactivated_on
FROM customers
WHERE activated_on < {as_of}
  AND (deactivated_on IS NULL OR deactivated_on >= {as_of})
