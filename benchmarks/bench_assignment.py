"""Benchmark of the account-manager optimiser (issue 5) against the greedy baseline.

Run: ``OMP_WAIT_POLICY=passive .venv/bin/python benchmarks/bench_assignment.py``
(add ``--report docs/benchmarks.md`` to append the results section).

A synthetic province: counties grouped ten to a city, managers in proportion to each
county's customers, some managers allowed into a neighbouring county of their city,
a few counties short of capacity, yesterday's (random, unbalanced) assignment as the
current one, and a few managers gone. Night 1 re-balances from that state; night 2 is
a quiet night (a few customers come, go or move county; two managers leave).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from weixi.analytics.assignment import (
    AssignmentResult,
    Customers,
    Managers,
    Reason,
    assign_managers,
    greedy_assign,
    load_weights,
)
from weixi.analytics.assignment.classes import build_classes
from weixi.analytics.assignment.flow import build_network
from weixi.analytics.assignment.model import SCALE, prepare
from weixi.analytics.assignment.solver import component_tasks

COUNTIES_PER_CITY = 10


def make_instance(
    *, customers: int, managers: int, counties: int, seed: int
) -> tuple[Customers, Managers]:
    """A reproducible province of ``customers`` over ``managers`` in ``counties``."""
    rng = np.random.default_rng(seed)
    weight = rng.lognormal(0.0, 0.5, counties)
    weight /= weight.sum()
    per_county = rng.multinomial(customers, weight)
    mgr_per_county = np.maximum(3, np.round(weight * managers).astype(np.int64))
    excess = int(mgr_per_county.sum()) - managers
    while excess:  # trim or pad the largest counties to hit the manager total
        i = int(np.argmax(mgr_per_county))
        mgr_per_county[i] -= int(np.sign(excess))
        excess -= int(np.sign(excess))
    mgrs = _managers(rng, per_county, mgr_per_county)
    cust = _customers(rng, per_county, mgr_per_county)
    return cust, mgrs


def _managers(rng: np.random.Generator, per_county: np.ndarray, n_mgr: np.ndarray) -> Managers:
    counties = len(per_county)
    county = np.repeat(np.arange(counties), n_mgr)
    m = len(county)
    slack = rng.uniform(0.94, 1.2, counties)  # some counties are short of capacity
    fair = per_county / n_mgr * slack
    capacity = np.round(fair[county] * rng.uniform(0.85, 1.15, m)).astype(np.int64)
    skills = (
        (rng.random(m) < 0.9) * 1
        + (rng.random(m) < 0.4) * 2
        + (rng.random(m) < 0.2) * 4
        + (rng.random(m) < 0.15) * 8
    )
    city_first = county // COUNTIES_PER_CITY * COUNTIES_PER_CITY
    neighbour = np.minimum(city_first + (county - city_first + 1) % COUNTIES_PER_CITY, counties - 1)
    allowed = (rng.random(m) < 0.3) & (neighbour != county)
    lists = [[int(c)] if a else [] for c, a in zip(neighbour, allowed, strict=True)]
    active = rng.random(m) >= 0.01  # about forty managers left since yesterday
    return Managers.from_arrays(
        manager_id=np.arange(m) + 10_000,
        county_id=county + 1,
        skills=skills,
        capacity=capacity,
        active=active,
        neighbour_counties=[[c + 1 for c in x] for x in lists],
    )


def _customers(rng: np.random.Generator, per_county: np.ndarray, n_mgr: np.ndarray) -> Customers:
    n = int(per_county.sum())
    county = np.repeat(np.arange(len(per_county)), per_county)
    first_mgr = np.cumsum(n_mgr) - n_mgr
    pick = first_mgr[county] + (rng.random(n) * n_mgr[county]).astype(np.int64)
    current = np.where(rng.random(n) < 0.95, pick + 10_000, -1)  # 5% new customers
    other = first_mgr[county] + (rng.random(n) * n_mgr[county]).astype(np.int64) + 10_000
    has_hint = rng.random(n) < 0.1
    hint = np.where(has_hint, np.where(rng.random(n) < 0.7, current, other), -1)
    skills = (
        (rng.random(n) < 0.6) * 1
        + (rng.random(n) < 0.25) * 2
        + (rng.random(n) < 0.08) * 4
        + (rng.random(n) < 0.05) * 8
    )
    return Customers.from_arrays(
        customer_id=rng.permutation(n) + 1_000_000,
        county_id=county + 1,
        value=66.0 + rng.lognormal(4.0, 0.8, n),
        skills=skills,
        current_manager_id=current,
        hint_manager_id=hint,
    )


def quiet_night(
    rng: np.random.Generator, customers: Customers, managers: Managers, *, changes: int
) -> tuple[Customers, Managers, dict[str, int]]:
    """Tomorrow: ``changes`` customers leave, as many arrive, as many move county; two
    managers leave."""
    n = len(customers)
    leave = rng.choice(n, changes, replace=False)
    stay = np.setdiff1d(np.arange(n), leave)
    c = customers
    fields = {
        f: getattr(c, f)[stay].copy()
        for f in (
            "customer_id",
            "county_id",
            "value",
            "skills",
            "current_manager_id",
            "hint_manager_id",
        )
    }
    movers = rng.choice(len(stay), changes, replace=False)
    fields["county_id"][movers] = rng.choice(np.unique(c.county_id), changes)
    new_ids = np.arange(changes) + int(c.customer_id.max()) + 1
    donors = rng.choice(n, changes)
    fields["customer_id"] = np.concatenate([fields["customer_id"], new_ids])
    for f in ("county_id", "value", "skills"):
        fields[f] = np.concatenate([fields[f], getattr(c, f)[donors]])
    fields["current_manager_id"] = np.concatenate([fields["current_manager_id"], -np.ones(changes)])
    fields["hint_manager_id"] = np.concatenate([fields["hint_manager_id"], -np.ones(changes)])
    tomorrow = Customers.from_arrays(**fields)
    active = managers.active.copy()
    leavers = rng.choice(np.flatnonzero(active), 2, replace=False)
    active[leavers] = False
    held = np.isin(tomorrow.current_manager_id, managers.manager_id[leavers]).sum()
    facts = {
        "customers_left": changes,
        "customers_arrived": changes,
        "customers_moved_county": changes,
        "managers_left": 2,
        "portfolio_of_leavers": int(held),
    }
    return tomorrow, replace(managers, active=active), facts


def why_moved(result: AssignmentResult) -> dict[str, int]:
    """Customers who had a manager and changed, by the reason that decided it."""
    table = result.assignments
    flags = table.column("reason_flags").to_numpy()
    moved = (table.column("previous_manager_id").to_numpy() >= 0) & table.column(
        "changed"
    ).to_numpy(zero_copy_only=False)
    out: dict[str, int] = {}
    for name, bit in (
        ("moved because their manager left", Reason.PREVIOUS_LEFT),
        ("moved because they changed county", Reason.PREVIOUS_OUT_OF_AREA),
        ("moved to rebalance", Reason.REBALANCED),
        ("of these, left without a manager", Reason.UNASSIGNED),
    ):
        out[name] = int((moved & (flags & int(bit) > 0)).sum())
    return out


def certify(customers: Customers, managers: Managers, components: int) -> list[dict[str, object]]:
    """Re-solve the largest components as LPs with HiGHS: an independent proven bound."""
    from scipy.optimize import linprog
    from scipy.sparse import csr_matrix

    from weixi.analytics.assignment.flow import solve_task

    problem = prepare(customers, managers, load_weights())
    classes = build_classes(problem)
    tasks = sorted(component_tasks(problem, classes, aggregate=True), key=lambda t: -t.size)
    out: list[dict[str, object]] = []
    for task in tasks[:components]:
        net = build_network(task)
        n_nodes, n_arcs = len(net.supply), len(net.tail)
        cols = np.arange(n_arcs)
        a_eq = csr_matrix(
            (
                np.concatenate([np.ones(n_arcs), -np.ones(n_arcs)]),
                (np.concatenate([net.tail, net.head]), np.concatenate([cols, cols])),
            ),
            shape=(n_nodes, n_arcs),
        )
        began = time.perf_counter()
        lp = linprog(
            net.cost.astype(np.float64),
            A_eq=a_eq,
            b_eq=net.supply.astype(np.float64),
            bounds=np.stack([np.zeros(n_arcs), net.capacity.astype(np.float64)], axis=1),
            method="highs-ds",
        )
        seconds = time.perf_counter() - began
        flow = solve_task(task)
        out.append(
            {
                "component": task.comp,
                "nodes": n_nodes,
                "arcs": n_arcs,
                "highs_status": lp.message,
                "highs_lp_optimum": float(lp.fun) / SCALE,
                "flow_optimum": flow.optimum / SCALE,
                "relative_difference": abs(float(lp.fun) - flow.optimum)
                / max(abs(flow.optimum), 1),
                "highs_seconds": round(seconds, 2),
            }
        )
    return out


def _row(name: str, result: AssignmentResult) -> dict[str, object]:
    d = result.summary.as_dict()
    return {"run": name, **d}


def machine() -> dict[str, str]:
    """nproc, CPU model and RAM of this machine."""
    cpu = "unknown"
    mem = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "nproc": nproc or str(os.cpu_count()),
        "cpu": cpu,
        "ram": mem,
        "python": platform.python_version(),
    }


def run(args: argparse.Namespace) -> dict[str, object]:
    """Generate, solve night 1 (optimiser and greedy), then a quiet night 2."""
    began = time.perf_counter()
    customers, managers = make_instance(
        customers=args.customers, managers=args.managers, counties=args.counties, seed=args.seed
    )
    generated = time.perf_counter() - began
    weights = load_weights()
    night1 = assign_managers(customers, managers, weights=weights, workers=args.workers)
    greedy1 = greedy_assign(customers, managers, weights=weights)
    ample = replace(
        managers,
        capacity=np.ceil(managers.capacity * 1.25).astype(np.int64),
        active=np.ones(len(managers), dtype=bool),
    )
    roomy = assign_managers(customers, ample, weights=weights, workers=args.workers)
    roomy_greedy = greedy_assign(customers, ample, weights=weights)
    rng = np.random.default_rng(args.seed + 1)
    tomorrow, managers2, facts = quiet_night(
        rng, night1.as_current(customers), managers, changes=args.changes
    )
    night2 = assign_managers(tomorrow, managers2, weights=weights, workers=args.workers)
    greedy2 = greedy_assign(tomorrow, managers2, weights=weights)
    facts |= why_moved(night2)
    certified = certify(customers, managers, args.certify) if args.certify else []
    return {
        "generated_seconds": round(generated, 2),
        "load_average": os.getloadavg(),
        "runs": [
            _row("night 1: optimiser", night1),
            _row("night 1: greedy", greedy1),
            _row("night 1, ample capacity: optimiser", roomy),
            _row("night 1, ample capacity: greedy", roomy_greedy),
            _row("night 2 (quiet): optimiser", night2),
            _row("night 2 (quiet): greedy", greedy2),
        ],
        "quiet_night": facts,
        "certified": certified,
    }


def _load(out: dict[str, object]) -> str:
    return ", ".join(f"{x:.1f}" for x in out["load_average"])  # type: ignore[attr-defined]


def _fmt(x: object) -> str:
    if isinstance(x, float):
        return f"{x:,.2f}"
    if isinstance(x, int):
        return f"{x:,}"
    return str(x)


def report(args: argparse.Namespace, out: dict[str, object], command: str) -> str:
    """The markdown section for docs/benchmarks.md."""
    m = machine()
    runs: list[dict[str, object]] = out["runs"]  # type: ignore[assignment]
    lines = [
        "## Account-manager assignment (issue 5)",
        "",
        f"Command: `{command}`  ",
        f"Machine: nproc {m['nproc']}, {m['cpu']}, RAM {m['ram']}, Python {m['python']}; "
        f"load average at the end {_load(out)} (the machine is shared)  ",
        f"Instance: {args.customers:,} customers, {args.managers:,} managers, "
        f"{args.counties} counties ({COUNTIES_PER_CITY} per city), seed {args.seed}; "
        f"workers {args.workers}. Objective in cost points (weights of `defaults.toml`).",
        "",
        "| run | seconds | assigned | unassigned | kept | moved | new | objective "
        "| soft part | bound | gap |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        gap = r["gap"]
        lines.append(
            "| "
            + " | ".join(
                [
                    str(r["run"]),
                    _fmt(r["total_seconds"]),
                    _fmt(r["assigned"]),
                    _fmt(r["unassigned"]),
                    _fmt(r["kept"]),
                    _fmt(r["moved"]),
                    _fmt(r["newly_assigned"]),
                    _fmt(r["objective"]),
                    _fmt(r["objective_soft"]),
                    "—" if r["bound"] is None else _fmt(r["bound"]),
                    "—" if gap is None else f"{gap:.2e}",
                ]
            )
            + " |"
        )
    lines += _ratios(runs) + _details(out)
    return "\n".join(lines) + "\n"


def _ratios(runs: list[dict[str, object]]) -> list[str]:
    terms = ("continuity", "skill", "household", "load", "value")
    lines = [
        "",
        "Soft goals by term (cost points):",
        "",
        "| run | " + " | ".join(terms) + " |",
        "|---|" + "---:|" * len(terms),
    ]
    for r in runs:
        t: dict[str, float] = r["objective_terms"]  # type: ignore[assignment]
        lines.append(f"| {r['run']} | " + " | ".join(_fmt(t[k]) for k in terms) + " |")
    lines += [
        "",
        "Greedy ÷ optimiser, same objective and instance. The total includes the penalty for "
        "each customer left without a manager, so it is dominated by that term whenever "
        "greedy serves fewer customers; the soft part is everything else:",
        "",
    ]
    for i in range(0, len(runs), 2):
        o, g = runs[i], runs[i + 1]
        total = float(g["objective"]) / float(o["objective"])  # type: ignore[arg-type]
        soft = float(g["objective_soft"]) / float(o["objective_soft"])  # type: ignore[arg-type]
        name = str(o["run"]).split(":")[0]
        lines.append(
            f"- {name}: total {total:.3f}, soft part {soft:.3f}; greedy leaves "
            f"{g['unassigned']:,} without a manager against {o['unassigned']:,}; "
            f"greedy moves {g['moved']:,} against {o['moved']:,}."
        )
    return lines


def _details(out: dict[str, object]) -> list[str]:
    runs: list[dict[str, object]] = out["runs"]  # type: ignore[assignment]
    facts: dict[str, int] = out["quiet_night"]  # type: ignore[assignment]
    o1 = runs[0]
    lines = [
        "",
        f"Night 1 network: {o1['components']} components solved in parallel, "
        f"{o1['classes']:,} customer classes, {o1['nodes']:,} nodes, {o1['arcs']:,} arcs; "
        f"prepare {o1['prepare_seconds']} s, solve {o1['solve_seconds']} s "
        f"(wall, both workers), total {o1['total_seconds']} s.",
        "",
        "Quiet night: "
        + ", ".join(f"{k.replace('_', ' ')} {v:,}" for k, v in facts.items())
        + f"; the optimiser moved {runs[4]['moved']:,} customers who had a manager.",
    ]
    for c in out["certified"]:  # type: ignore[attr-defined]
        lines += [
            "",
            f"Independent bound: component {c['component']} ({c['nodes']:,} nodes, "
            f"{c['arcs']:,} arcs) re-solved as an LP by HiGHS (dual simplex, "
            f"{c['highs_seconds']} s): {c['highs_status']} LP optimum "
            f"{c['highs_lp_optimum']:,.2f} vs flow optimum {c['flow_optimum']:,.2f} "
            f"(relative difference {c['relative_difference']:.1e}).",
        ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--customers", type=int, default=4_000_000)
    parser.add_argument("--managers", type=int, default=4_000)
    parser.add_argument("--counties", type=int, default=140)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument(
        "--changes", type=int, default=1_000, help="quiet-night changes of each kind"
    )
    parser.add_argument("--certify", type=int, default=1, help="components re-solved by HiGHS")
    parser.add_argument("--report", type=Path, help="append the markdown section to this file")
    args = parser.parse_args(argv)
    out = run(args)
    command = "OMP_WAIT_POLICY=passive .venv/bin/python benchmarks/bench_assignment.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = report(args, out, command.strip())
    print(text)
    if args.report:
        with args.report.open("a", encoding="utf-8") as fh:
            fh.write("\n" + text)


if __name__ == "__main__":
    main()
