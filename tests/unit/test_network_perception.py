"""Network perception KPIs (pure): ratios of sums, no value on a zero denominator, targets."""

from __future__ import annotations

import pytest

from weixi.network.perception import (
    ACCESSIBILITY,
    DROP_RATE,
    Counters,
    Perception,
    Verdict,
    weighted,
)


def test_kpis_are_ratios_of_the_counters() -> None:
    p = Perception.of(
        Counters(
            rrc_att=1000,
            rrc_succ=980,
            rab_att=500,
            rab_succ=490,
            rab_abnormal_rel=10,
            ho_att=200,
            ho_succ=198,
            samples=1000,
            weak_samples=50,
            thr_sum=3000,
            thr_days=3,
        )
    )
    assert p.accessibility == pytest.approx(0.98 * 0.98)
    assert p.drop_rate == pytest.approx(10 / 490)
    assert p.handover == pytest.approx(0.99)
    assert p.coverage == pytest.approx(0.95)
    assert p.throughput_kbps == pytest.approx(1000)


def test_no_counters_give_no_value_rather_than_zero() -> None:
    p = Perception.of(Counters())
    assert (p.accessibility, p.drop_rate, p.handover, p.coverage) == (None, None, None, None)
    assert set(p.verdicts().values()) == {Verdict.UNKNOWN} and not p.poor


def test_the_customer_perception_is_one_ratio_of_traffic_weighted_sums() -> None:
    busy = Counters(rab_succ=1000, rab_abnormal_rel=10)  # 1 % drops
    quiet = Counters(rab_succ=10, rab_abnormal_rel=5)  # 50 % drops on few calls
    p = weighted([(0.5, busy), (0.5, quiet)])
    assert p.drop_rate == pytest.approx(7.5 / 505)  # not the mean of ratios (25.5 %)


def test_targets_floor_and_ceiling() -> None:
    assert ACCESSIBILITY.verdict(0.90) is Verdict.GOOD
    assert ACCESSIBILITY.verdict(0.899) is Verdict.POOR
    assert DROP_RATE.verdict(0.05) is Verdict.GOOD
    assert DROP_RATE.verdict(0.051) is Verdict.POOR
