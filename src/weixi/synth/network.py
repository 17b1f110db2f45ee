"""Radio cells and their daily counters.

Every cell has a hidden *badness* b in [0, 1] (most cells near 0.05–0.15, about 8% "poor
cells" at 0.45–0.95). Counters are drawn so that the KPI formulas documented on
`cell_kpi_daily` respond to it (accessibility falls, drops and weak-coverage samples rise,
throughput falls), and the customer generator uses the same b for the customer's network
perception, dropped calls, network complaints and churn. Counters keep succ ≤ att by
construction (binomial draws from the attempts).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from weixi.ingest.schema import Band, CellTechnology
from weixi.synth.org import Organisation

CUSTOMERS_PER_CELL = 400
MIN_CELLS_PER_COUNTY = 3
POOR_CELL_SHARE = 0.08
WCDMA_SHARE = 0.35


@dataclass(frozen=True)
class Cells:
    ids: pa.Array
    county: np.ndarray
    """County index (into `Organisation.counties`) per cell; cells are sorted by county."""
    badness: np.ndarray
    size: np.ndarray
    wcdma: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    band: pa.Array
    county_start: np.ndarray
    county_count: np.ndarray

    def __len__(self) -> int:
        return len(self.county)


def build_cells(org: Organisation, customers: int, seed: int) -> Cells:
    """Cells per county in proportion to the county's customers, with hidden quality."""
    rng = np.random.default_rng([seed, 3])
    total = max(MIN_CELLS_PER_COUNTY * len(org.counties), customers // CUSTOMERS_PER_CELL)
    counts = np.maximum(MIN_CELLS_PER_COUNTY, np.round(total * org.county_weight)).astype(int)
    county = np.repeat(np.arange(len(counts)), counts)
    n = len(county)
    wcdma = rng.random(n) < WCDMA_SHARE
    badness = rng.beta(1.5, 14.0, n)
    poor = rng.random(n) < POOR_CELL_SHARE
    badness[poor] = rng.uniform(0.45, 0.95, int(poor.sum()))
    ordinal = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    codes = [org.counties[c].code for c in county]
    ids = [
        f"{code}{'W' if w else 'G'}{k + 1:05d}"
        for code, w, k in zip(codes, wcdma, ordinal, strict=True)
    ]
    gsm_band = np.where(rng.random(n) < 0.7, Band.GSM900.value, Band.DCS1800.value)
    band = np.where(wcdma, Band.WCDMA2100.value, gsm_band)
    return Cells(
        ids=pa.array(ids, pa.string()),
        county=county,
        badness=badness,
        size=rng.lognormal(0.0, 0.5, n),
        wcdma=wcdma,
        lat=np.round(org.county_lat[county] + rng.normal(0, 0.06, n), 5),
        lon=np.round(org.county_lon[county] + rng.normal(0, 0.08, n), 5),
        band=pa.array(band.tolist(), pa.string()),
        county_start=np.cumsum(counts) - counts,
        county_count=counts,
    )


def cell_columns(cells: Cells, org: Organisation) -> dict[str, pa.Array]:
    county_ids = pa.array([org.counties[c].code for c in cells.county], pa.string())
    tech = np.where(cells.wcdma, CellTechnology.WCDMA.value, CellTechnology.GSM.value)
    return {
        "cell_id": cells.ids,
        "county_id": county_ids,
        "lat": pa.array(cells.lat),
        "lon": pa.array(cells.lon),
        "technology": pa.array(tech.tolist(), pa.string()),
        "band": cells.band,
    }


def kpi_batches(
    cells: Cells, days: np.ndarray, seed: int, block: int = 2_000
) -> Iterator[dict[str, pa.Array]]:
    """Daily counters, ``block`` cells at a time, rows ordered by cell then day."""
    for b, lo in enumerate(range(0, len(cells), block)):
        rng = np.random.default_rng([seed, 4, b])
        sel = np.arange(lo, min(lo + block, len(cells)))
        yield _kpi_block(cells, sel, days, rng)


def _kpi_block(
    cells: Cells, sel: np.ndarray, days: np.ndarray, rng: np.random.Generator
) -> dict[str, pa.Array]:
    nd = len(days)
    cell = np.repeat(sel, nd)
    day = np.tile(days, len(sel))
    n = len(cell)
    weekday = (day.astype("datetime64[D]").astype(np.int64) + 3) % 7
    load = cells.size[cell] * np.where(weekday >= 5, 0.9, 1.0) * rng.lognormal(0, 0.1, n)
    # Transient trouble (outages, interference) on about 0.5% of cell-days.
    bad = cells.badness[cell] + np.where(rng.random(n) < 0.005, rng.uniform(0.3, 0.6, n), 0.0)
    bad = np.clip(bad, 0.0, 1.0)
    wcdma = cells.wcdma[cell]

    rrc_att = rng.poisson(4000 * load)
    rrc_succ = rng.binomial(rrc_att, np.clip(0.997 - 0.06 * bad, 0.3, 1.0))
    rab_att = rng.binomial(rrc_succ, 0.92)
    rab_succ = rng.binomial(rab_att, np.clip(0.995 - 0.05 * bad, 0.3, 1.0))
    drops = rng.binomial(rab_succ, np.clip(0.004 + 0.045 * bad, 0.0, 1.0))
    ho_att = rng.binomial(rab_succ, 0.35)
    ho_succ = rng.binomial(ho_att, np.clip(0.985 - 0.08 * bad, 0.3, 1.0))
    samples = rng.poisson(20000 * load)
    weak = rng.binomial(samples, np.clip(0.02 + 0.4 * bad, 0.0, 1.0))
    peak = np.where(wcdma, 900.0, 90.0)
    throughput = peak * (1.0 - 0.6 * bad) * rng.lognormal(0, 0.15, n)
    voice = 25.0 * load * rng.lognormal(0, 0.1, n)
    data = np.where(wcdma, 3000.0, 150.0) * load * rng.lognormal(0, 0.2, n)
    return {
        "cell_id": cells.ids.take(pa.array(cell)),
        "day": pa.array(day.astype("datetime64[D]")),
        "rrc_att": pa.array(rrc_att, pa.int64()),
        "rrc_succ": pa.array(rrc_succ, pa.int64()),
        "rab_att": pa.array(rab_att, pa.int64()),
        "rab_succ": pa.array(rab_succ, pa.int64()),
        "rab_abnormal_rel": pa.array(drops, pa.int64()),
        "ho_att": pa.array(ho_att, pa.int64()),
        "ho_succ": pa.array(ho_succ, pa.int64()),
        "samples": pa.array(samples, pa.int64()),
        "weak_samples": pa.array(weak, pa.int64()),
        "throughput_kbps": pa.array(np.round(throughput, 1)),
        "voice_erl": pa.array(np.round(voice, 2)),
        "data_mb": pa.array(np.round(data, 1)),
    }
