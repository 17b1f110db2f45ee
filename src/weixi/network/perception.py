"""Network perception KPIs and their thresholds (pure).

Every KPI is a ratio of sums of counters (telecom-domain.md §1: "aggregate as a ratio of
sums, not a mean of ratios; a zero denominator gives no value"). The formulas are those
the export documents on ``cell_kpi_daily`` and the nightly features use
(``weixi/analytics/features/features.sql``):

- accessibility (CS connection rate) = rrc_succ/rrc_att × rab_succ/rab_att (§1.3, CS域接通率)
- retainability, as its complement the drop rate = rab_abnormal_rel/rab_succ (§1.3, 电路域掉话率)
- handover success = ho_succ/ho_att (§1.3, 切换成功率)
- coverage = 1 − weak_samples/samples, weak below RSCP −105 dBm / RXLEV −94 dBm (§2.2, §2.3)
- quality: mean downlink throughput (kbit/s)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Verdict(StrEnum):
    GOOD = "good"
    POOR = "poor"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Threshold:
    """``value`` is the floor (``higher_is_better``) or the ceiling a KPI should keep."""

    value: float
    higher_is_better: bool
    source: str

    def verdict(self, kpi: float | None) -> Verdict:
        if kpi is None:
            return Verdict.UNKNOWN
        ok = kpi >= self.value if self.higher_is_better else kpi <= self.value
        return Verdict.GOOD if ok else Verdict.POOR


#: telecom-domain.md §3.3 and §5: MIIT 3G service specification (2009), local voice
#: network connection rate ≥ 90 % [secondary].
ACCESSIBILITY = Threshold(0.90, True, "MIIT 3G service specification 2009 (§3.3, §5)")
#: telecom-domain.md §3.3 and §5: MIIT 3G service specification (2009), voice call drop
#: rate ≤ 5 % [secondary].
DROP_RATE = Threshold(0.05, False, "MIIT 3G service specification 2009 (§3.3, §5)")
#: telecom-domain.md §1.3: typical Chinese GSM/TD targets, intra-network handover success
#: > 98 % (indoor-coverage acceptance) [secondary].
HANDOVER = Threshold(0.98, True, "GSM/TD acceptance targets (§1.3)")
#: telecom-domain.md gives the weak-coverage *level* (§2.2 WCDMA RSCP −105 dBm, §2.3 GSM
#: −94 dBm) but no target share of samples above it: 90 % is weixi's assumption [uncertain].
COVERAGE = Threshold(0.90, True, "assumption: no sourced target (§2.2, §2.3 give the level)")


@dataclass(frozen=True, slots=True)
class Counters:
    """Sums of a cell's counters over a period (or traffic-weighted sums over cells)."""

    rrc_att: float = 0.0
    rrc_succ: float = 0.0
    rab_att: float = 0.0
    rab_succ: float = 0.0
    rab_abnormal_rel: float = 0.0
    ho_att: float = 0.0
    ho_succ: float = 0.0
    samples: float = 0.0
    weak_samples: float = 0.0
    thr_sum: float = 0.0
    thr_days: float = 0.0

    def scaled(self, weight: float) -> Counters:
        return Counters(*(weight * v for v in self._values()))

    def __add__(self, other: Counters) -> Counters:
        return Counters(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[float, ...]:
        return (
            self.rrc_att,
            self.rrc_succ,
            self.rab_att,
            self.rab_succ,
            self.rab_abnormal_rel,
            self.ho_att,
            self.ho_succ,
            self.samples,
            self.weak_samples,
            self.thr_sum,
            self.thr_days,
        )


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


@dataclass(frozen=True, slots=True)
class Perception:
    accessibility: float | None
    drop_rate: float | None
    handover: float | None
    coverage: float | None
    throughput_kbps: float | None

    @classmethod
    def of(cls, c: Counters) -> Perception:
        rrc, rab = _ratio(c.rrc_succ, c.rrc_att), _ratio(c.rab_succ, c.rab_att)
        weak = _ratio(c.weak_samples, c.samples)
        return cls(
            accessibility=rrc * rab if rrc is not None and rab is not None else None,
            drop_rate=_ratio(c.rab_abnormal_rel, c.rab_succ),
            handover=_ratio(c.ho_succ, c.ho_att),
            coverage=1.0 - weak if weak is not None else None,
            throughput_kbps=_ratio(c.thr_sum, c.thr_days),
        )

    def verdicts(self) -> dict[str, Verdict]:
        return {
            "accessibility": ACCESSIBILITY.verdict(self.accessibility),
            "drop_rate": DROP_RATE.verdict(self.drop_rate),
            "handover": HANDOVER.verdict(self.handover),
            "coverage": COVERAGE.verdict(self.coverage),
        }

    @property
    def poor(self) -> bool:
        return any(v is Verdict.POOR for v in self.verdicts().values())


def weighted(cells: Iterable[tuple[float, Counters]]) -> Perception:
    """The customer's perception: each cell's counters weighted by its traffic share, then
    one ratio of the weighted sums (as the nightly's ``net_*`` features do)."""
    total = Counters()
    for share, counters in cells:
        total = total + counters.scaled(share)
    return Perception.of(total)
