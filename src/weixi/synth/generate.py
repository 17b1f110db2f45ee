"""Generate a whole synthetic operator into an export directory.

Small tables (organisation, staff, plans, cells) are built in memory; cell counters are
written a block of cells at a time; customers are generated in fixed-size chunks by a pool of
worker processes and written in chunk order, with at most a few chunks in flight, so memory
stays bounded and the output depends only on the configuration (not on the worker count).
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from weixi.ingest.schema import TABLES
from weixi.synth import catalogue
from weixi.synth.chunk import Columns, generate_chunk
from weixi.synth.customers import STAFF_PHONE_BASE, phone_numbers
from weixi.synth.network import cell_columns, kpi_batches
from weixi.synth.world import SynthConfig, World, build_world, days, to_date32
from weixi.synth.writer import TableWriter

Progress = Callable[[str, int, int], None]
"""Called with (step name, units just done, total units of the step)."""

CUSTOMER_TABLES = (
    "customers",
    "products",
    "usage_monthly",
    "contacts",
    "customer_cells",
    "fixed_orders",
    "churn_truth",
)


@dataclass(frozen=True)
class TableSummary:
    table: str
    rows: int
    path: Path

    @property
    def bytes(self) -> int:
        return self.path.stat().st_size


def _quiet(step: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""


def generate(config: SynthConfig, out: Path, progress: Progress = _quiet) -> list[TableSummary]:
    """Write every table of a synthetic operator under ``out``; return rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    world = build_world(config)
    chunks = -(-config.customers // config.chunk_size)
    workers = min(config.workers, chunks)
    writers: dict[str, TableWriter] = {}
    with ExitStack() as stack:
        pool = None
        if workers > 1:
            # Started first, so the workers initialise while this process writes the rest.
            context = multiprocessing.get_context("spawn")
            pool = stack.enter_context(
                ProcessPoolExecutor(workers, context, initializer=_init_worker,
                                    initargs=(config,))
            )  # fmt: skip
        for name in TABLES:
            writers[name] = stack.enter_context(TableWriter(out, TABLES[name], config.fmt))
        writers["org_units"].write(_org_columns(world))
        writers["staff"].write(_staff_columns(world))
        writers["plans"].write(_plan_columns())
        writers["cells"].write(cell_columns(world.cells, world.org))
        results = _chunks(world, chunks, pool, workers)
        _write_kpis(world, writers["cell_kpi_daily"], progress)
        for i, tables in enumerate(results):
            for name in CUSTOMER_TABLES:
                writers[name].write(tables[name])
            progress("customers", min(config.chunk_size, config.customers - i * config.chunk_size),
                     config.customers)  # fmt: skip
    if config.corrupt:
        from weixi.synth.corrupt import write_corrupt_copy

        write_corrupt_copy(out, config.fmt, config.seed)
    return [TableSummary(name, w.rows, w.path) for name, w in writers.items()]


def _chunks(
    world: World, chunks: int, pool: ProcessPoolExecutor | None, workers: int
) -> Iterator[dict[str, Columns]]:
    """Chunk results in order, from the pool if there is one, at most a few in flight."""
    if pool is None:
        return (generate_chunk(world, i) for i in range(chunks))
    pending: deque[Future[dict[str, Columns]]] = deque()
    next_chunk = 0

    def fill() -> None:
        nonlocal next_chunk
        while next_chunk < chunks and len(pending) < workers + 1:
            pending.append(pool.submit(_worker_chunk, next_chunk))
            next_chunk += 1

    def drain() -> Iterator[dict[str, Columns]]:
        while pending:
            result = pending.popleft().result()
            fill()
            yield result

    fill()  # submit now, not on the first read
    return drain()


_WORLD: World | None = None


def _init_worker(config: SynthConfig) -> None:
    global _WORLD
    _WORLD = build_world(config)


def _worker_chunk(chunk: int) -> dict[str, Columns]:
    assert _WORLD is not None, "worker not initialised"
    return generate_chunk(_WORLD, chunk)


def _write_kpis(world: World, writer: TableWriter, progress: Progress) -> None:
    day_numbers = np.arange(world.window_start, world.window_end).astype("datetime64[D]")
    total = len(world.cells)
    for batch in kpi_batches(world.cells, day_numbers, world.config.seed):
        writer.write(batch)
        progress("cell counters", len(batch["cell_id"]) // len(day_numbers), total)


def _org_columns(world: World) -> Columns:
    units = world.org.units
    schema = TABLES["org_units"].arrow_schema()
    return {f.name: pa.array(units[f.name], f.type) for f in schema}


def _staff_columns(world: World) -> Columns:
    staff = dict(world.org.staff)
    n = len(staff["staff_id"])
    schema = TABLES["staff"].arrow_schema()
    cols = {f.name: pa.array(staff[f.name], f.type) for f in schema if f.name != "phone"}
    cols["phone"] = phone_numbers(STAFF_PHONE_BASE + np.arange(n))
    return cols


def _plan_columns() -> Columns:
    plans = catalogue.PLANS
    return {
        "plan_code": pa.array([p.code for p in plans]),
        "plan_name": pa.array([p.name for p in plans]),
        "kind": pa.array([p.kind.value for p in plans]),
        "monthly_fee": pa.array([float(p.monthly_fee) for p in plans]),
        "voice_minutes": pa.array([p.voice_minutes for p in plans], pa.int64()),
        "data_mb": pa.array([p.data_mb for p in plans], pa.int64()),
        "launched_on": to_date32(np.array([days(p.launched_on) for p in plans])),
        "uncertain": pa.array([p.uncertain for p in plans]),
    }
