"""Tier and lifecycle-stage steps: the pure rule modules, run vectorised on an engine.

- `assign_tiers`: input ``features/`` → output ``tiers/`` (``customer_id``, ``as_of``,
  ``tier``, ``tier_rule``, ``tier_name_zh``, ``dedicated_manager``, ``previous_tier``,
  ``tier_changed``, ``rules_version``); the previous run's ``tiers/`` is optional.
- `assign_stages`: inputs customers (export), ``features/``, optional ``scores/``
  (``customer_id``, ``churn_probability``) and optional previous ``stages/`` → output
  ``stages/`` (``customer_id``, ``as_of``, ``stage``, ``stage_rule``, ``previous_stage``,
  ``entered``, ``order_kind``, ``script``, ``rules_version``).

The SQL comes from `weixi.customers.tiers` / `weixi.customers.lifecycle`, generated from
the same rules as their row-wise functions.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from weixi.analytics.engines.base import (
    Engine,
    Source,
    SqlJob,
    date_literal,
    export_sources,
    parts_source,
)
from weixi.customers.lifecycle import (
    LifecycleRules,
    entry_case_sql,
    load_lifecycle_rules,
    stage_case_sql,
)
from weixi.customers.tiers import (
    TierRules,
    load_tier_rules,
    sql_literal,
    tier_attribute_sql,
    tier_case_sql,
)

DERIVED_FACTS = frozenset(
    {"activated", "deactivated", "days_since_activation", "churn_probability"}
)
"""Stage facts computed from the customer row and the scores rather than read from features."""


def _braces(sql: str) -> str:
    """Escape braces so generated SQL survives parameter substitution."""
    return sql.replace("{", "{{").replace("}", "}}")


def tier_job(rules: TierRules, *, with_previous: bool = False) -> SqlJob:
    """The engine-neutral job assigning every featured customer a tier (and, with the
    previous run's ``tiers/``, the previous tier and whether it changed)."""
    case = tier_case_sql(rules)
    attrs = tier_attribute_sql(rules, tier_column="t.tier")
    previous = "pv.tier" if with_previous else "CAST(NULL AS STRING)"
    join = "LEFT JOIN previous pv ON pv.customer_id = f.customer_id" if with_previous else ""
    inputs = ("features", "previous") if with_previous else ("features",)
    query = f"""
SELECT t.customer_id, t.as_of, t.tier, t.tier_rule,
       {attrs["tier_name_zh"]} AS tier_name_zh,
       {attrs["dedicated_manager"]} AS dedicated_manager,
       t.previous_tier,
       COALESCE(t.previous_tier <> t.tier, FALSE) AS tier_changed,
       {sql_literal(rules.version)} AS rules_version
FROM (
    SELECT f.customer_id, f.as_of,
           {case["tier"]} AS tier,
           {case["tier_rule"]} AS tier_rule,
           {previous} AS previous_tier
    FROM features f
    {join}
) t"""
    return SqlJob(name="tiers", inputs=inputs, query=_braces(query), bucketed_inputs=inputs)


def assign_tiers(
    engine: Engine,
    features_dir: Path,
    out_dir: Path,
    *,
    previous_dir: Path | None = None,
    rules: TierRules | None = None,
    buckets: int = 1,
) -> Path:
    """Place every customer of ``features_dir`` in a tier; write ``out_dir``. With
    ``previous_dir`` (the last run's output) each row also says whether the tier changed,
    so the caller can record tier changes."""
    job = tier_job(rules or load_tier_rules(), with_previous=previous_dir is not None)
    sources = {"features": parts_source(Path(features_dir), "features")}
    if previous_dir is not None:
        sources["previous"] = parts_source(Path(previous_dir), "tiers")
    return engine.run(job, sources, Path(out_dir), buckets=buckets)


def stage_job(
    rules: LifecycleRules, as_of: dt.date, *, with_scores: bool, with_previous: bool
) -> SqlJob:
    """The engine-neutral job classifying every customer into a lifecycle stage."""
    feature_facts = sorted(rules.fields - DERIVED_FACTS)
    feature_cols = "".join(f",\n           f.{name}" for name in feature_facts)
    score = "s.churn_probability" if with_scores else "CAST(NULL AS DOUBLE)"
    previous = "pv.stage" if with_previous else "CAST(NULL AS STRING)"
    joins = "LEFT JOIN features f ON f.customer_id = c.customer_id"
    inputs = ["customers", "features"]
    if with_scores:
        joins += "\n    LEFT JOIN scores s ON s.customer_id = c.customer_id"
        inputs.append("scores")
    if with_previous:
        joins += "\n    LEFT JOIN previous pv ON pv.customer_id = c.customer_id"
        inputs.append("previous")
    case = stage_case_sql(rules)
    move = entry_case_sql(rules, previous="x.previous_stage", current="x.stage")
    query = f"""
SELECT x.customer_id, x.as_of, x.stage, x.stage_rule, x.previous_stage,
       {move["entered"]} AS entered,
       {move["order_kind"]} AS order_kind,
       {move["script"]} AS script,
       {sql_literal(rules.version)} AS rules_version
FROM (
    SELECT facts.customer_id, facts.as_of, facts.previous_stage,
           {case["stage"]} AS stage,
           {case["stage_rule"]} AS stage_rule
    FROM (
        SELECT c.customer_id,
               <<as_of>> AS as_of,
               c.activated_on < <<as_of>> AS activated,
               (c.deactivated_on IS NOT NULL AND c.deactivated_on < <<as_of>>) AS deactivated,
               @days(c.activated_on, <<as_of>>) AS days_since_activation,
               {score} AS churn_probability,
               {previous} AS previous_stage{feature_cols}
        FROM customers c
        {joins}
    ) facts
) x"""
    return SqlJob(
        name="stages",
        inputs=tuple(inputs),
        query=_braces(query).replace("<<as_of>>", "{as_of}"),
        params={"as_of": date_literal(as_of)},
        bucketed_inputs=tuple(inputs),
    )


def assign_stages(
    engine: Engine,
    data_dir: Path,
    features_dir: Path,
    as_of: dt.date,
    out_dir: Path,
    *,
    scores_dir: Path | None = None,
    previous_dir: Path | None = None,
    rules: LifecycleRules | None = None,
    buckets: int = 1,
) -> Path:
    """Classify every customer of the export into a lifecycle stage as of ``as_of``, with
    the stage entry and its playbook against the previous run's ``stages/`` output."""
    rules = rules or load_lifecycle_rules()
    sources: dict[str, Source] = {
        **export_sources(Path(data_dir), ("customers",)),
        "features": parts_source(Path(features_dir), "features"),
    }
    if scores_dir is not None:
        sources["scores"] = parts_source(Path(scores_dir), "scores")
    if previous_dir is not None:
        sources["previous"] = parts_source(Path(previous_dir), "stages")
    job = stage_job(
        rules, as_of, with_scores=scores_dir is not None, with_previous=previous_dir is not None
    )
    return engine.run(job, sources, Path(out_dir), buckets=buckets)
