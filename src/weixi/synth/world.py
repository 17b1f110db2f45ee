"""Configuration and the shared, read-only world every customer chunk is generated in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from weixi.errors import ValidationFailed
from weixi.ingest.schema import ProductKind
from weixi.synth import catalogue
from weixi.synth.geography import shandong
from weixi.synth.network import Cells, build_cells
from weixi.synth.org import Organisation, build_organisation
from weixi.synth.writer import FileFormat

EPOCH = dt.date(1970, 1, 1)
DEFAULT_END_MONTH = dt.date(2010, 12, 1)
PROVINCES = ("shandong",)


@dataclass(frozen=True)
class SynthConfig:
    customers: int
    months: int
    seed: int = 0
    fmt: FileFormat = FileFormat.PARQUET
    province: str = "shandong"
    corrupt: bool = False
    end_month: dt.date = DEFAULT_END_MONTH
    """The last month of data (the window is the ``months`` months ending with it)."""
    chunk_size: int = 50_000
    """Customers per chunk; part of the output's identity (changing it changes the data)."""
    workers: int = 2

    def check(self) -> None:
        if self.customers < 1 or self.customers >= 600_000_000:
            raise ValidationFailed("customers must be between 1 and 599,999,999")
        if not 1 <= self.months <= 120:
            raise ValidationFailed("months must be between 1 and 120")
        if self.province not in PROVINCES:
            raise ValidationFailed(f"unknown province {self.province!r}; known: {PROVINCES}")
        if self.end_month.day != 1:
            raise ValidationFailed("end_month must be the first day of a month")


def days(d: dt.date) -> int:
    """Days since 1970-01-01: the generator's integer date representation."""
    return (d - EPOCH).days


def to_date32(values: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    """Integer days since the epoch as an Arrow date32 array (null where not ``valid``)."""
    mask = None if valid is None else ~valid
    return pa.array(values.astype(np.int32), pa.date32(), mask=mask)


def to_timestamp(ms: np.ndarray, valid: np.ndarray | None = None) -> pa.Array:
    mask = None if valid is None else ~valid
    return pa.array(ms.astype(np.int64), pa.timestamp("ms", tz="UTC"), mask=mask)


@dataclass(frozen=True)
class PlanTable:
    codes: pa.Array
    names: pa.Array
    kind: np.ndarray
    fee: np.ndarray
    voice: np.ndarray
    data: np.ndarray
    launched: np.ndarray
    share: np.ndarray

    @classmethod
    def build(cls) -> PlanTable:
        plans = catalogue.PLANS
        return cls(
            codes=pa.array([p.code for p in plans]),
            names=pa.array([p.name for p in plans]),
            kind=np.array([p.kind.value for p in plans]),
            fee=np.array([p.monthly_fee for p in plans], dtype=float),
            voice=np.array([p.voice_minutes for p in plans], dtype=float),
            data=np.array([p.data_mb for p in plans], dtype=float),
            launched=np.array([days(p.launched_on) for p in plans]),
            share=np.array([p.share for p in plans]),
        )

    def of_kind(self, kind: ProductKind) -> np.ndarray:
        return np.flatnonzero(self.kind == kind.value)


def _flatten(groups: list[list[str]]) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    counts = np.array([len(g) for g in groups])
    flat = pa.array([s for g in groups for s in g], pa.string())
    return flat, np.cumsum(counts) - counts, counts


@dataclass(frozen=True)
class World:
    config: SynthConfig
    org: Organisation
    cells: Cells
    plans: PlanTable
    month_start: np.ndarray
    """First day of each month of the window, as days since the epoch."""
    month_days: np.ndarray
    window_start: int
    window_end: int
    """First day after the window."""
    competitor: np.ndarray
    """Competitor campaign intensity per county and month (mean about 1)."""
    am_ids: pa.Array
    am_start: np.ndarray
    am_count: np.ndarray
    hall_ids: pa.Array
    hall_start: np.ndarray
    hall_count: np.ndarray
    hotline_ordinary: pa.Array
    hotline_expert: pa.Array
    county_code: np.ndarray
    rural: np.ndarray


def build_world(config: SynthConfig) -> World:
    """Everything that does not depend on the customer chunk, deterministic for the seed."""
    config.check()
    org = build_organisation(shandong(), config.customers, config.seed)
    cells = build_cells(org, config.customers, config.seed)
    end = np.datetime64(config.end_month, "M")
    months = np.arange(end - (config.months - 1), end + 1)
    starts = months.astype("datetime64[D]").astype(np.int64)
    ends = (months + 1).astype("datetime64[D]").astype(np.int64)
    rng = np.random.default_rng([config.seed, 5])
    competitor = rng.lognormal(-0.18, 0.6, (len(org.counties), config.months))
    am_ids, am_start, am_count = _flatten(org.account_managers)
    hall_ids, hall_start, hall_count = _flatten(org.hall_agents)
    return World(
        config=config,
        org=org,
        cells=cells,
        plans=PlanTable.build(),
        month_start=starts,
        month_days=ends - starts,
        window_start=int(starts[0]),
        window_end=int(ends[-1]),
        competitor=competitor,
        am_ids=am_ids,
        am_start=am_start,
        am_count=am_count,
        hall_ids=hall_ids,
        hall_start=hall_start,
        hall_count=hall_count,
        hotline_ordinary=pa.array(org.hotline_ordinary, pa.string()),
        hotline_expert=pa.array(org.hotline_expert, pa.string()),
        county_code=np.array([int(c.code) for c in org.counties]),
        rural=np.array([c.rural for c in org.counties]),
    )
