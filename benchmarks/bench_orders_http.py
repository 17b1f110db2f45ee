"""Loopback load benchmark: full order lifecycles over HTTP (create, dispatch, accept,
resolve, callback, close) against `weixi serve`, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_orders_http --backend postgresql --seconds 30

Reports sustained requests/s and latency percentiles per backend. Only 127.0.0.1 is used.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tests.conftest import fresh_pg_database

from benchmarks.seed import seed_province
from weixi.auth.service import hash_password
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory

PASSWORD = "bench-password-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(backend: str, tmp: Path) -> str:
    url = fresh_pg_database("bench") if backend == "postgresql" else f"sqlite:///{tmp}/b.db"
    upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as s:
        seed_province(s, customers_per_county=50, password_hash=hash_password(PASSWORD))
        s.commit()
    engine.dispose()
    return url


async def _token(client: httpx.AsyncClient, login: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/tokens", json={"login": login, "password": PASSWORD})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def _lifecycle(
    client: httpx.AsyncClient, h: dict[str, dict[str, str]], cid: int, lat: list[float]
) -> None:
    async def call(method: str, url: str, who: str, body: object = None) -> httpx.Response:
        t0 = time.perf_counter()
        r = await client.request(method, url, json=body, headers=h[who])
        lat.append(time.perf_counter() - t0)
        r.raise_for_status()
        return r

    order = (
        await call(
            "POST",
            "/api/v1/orders",
            "agent",
            {"kind": "complaint", "customer_id": cid, "category": "network", "title": "bench"},
        )
    ).json()
    oid = order["id"]
    await call("POST", f"/api/v1/orders/{oid}/accept", "net")
    await call("POST", f"/api/v1/orders/{oid}/resolve", "net", {"resolution": "fixed"})
    await call(
        "POST",
        f"/api/v1/orders/{oid}/callbacks",
        "agent",
        {"reached": True, "answers": {"resolved": True, "handling": 5, "attitude": 5}},
    )
    await call("GET", f"/api/v1/orders/{oid}", "agent")


async def _drive(base: str, seconds: float, concurrency: int, customers: list[int]) -> dict:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        h = {
            "agent": await _token(client, "JN-LX-agent"),
            "net": await _token(client, "JN-LX-network-h"),
        }
        lat: list[float] = []
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()

        async def worker(i: int) -> int:
            n = 0
            while time.perf_counter() < deadline:
                await _lifecycle(client, h, customers[(i + n) % len(customers)], lat)
                n += 1
            return n

        done = sum(await asyncio.gather(*(worker(i) for i in range(concurrency))))
        wall = time.perf_counter() - started
    q = statistics.quantiles(lat, n=100)
    return {
        "lifecycles": done,
        "requests": len(lat),
        "rps": len(lat) / wall,
        "p50_ms": q[49] * 1000,
        "p95_ms": q[94] * 1000,
        "p99_ms": q[98] * 1000,
    }


def run(backend: str, seconds: float, concurrency: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        url = _prepare(backend, Path(tmp))
        port = _free_port()
        env = {**os.environ, "WEIXI_DATABASE_URL": url, "WEIXI_NOTIFIER": "log"}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "weixi.web.app:create_app",
                "--factory",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base)
            engine = make_engine(url)
            with engine.connect() as c:
                from sqlalchemy import text

                ids = [
                    r[0]
                    for r in c.execute(
                        text(
                            "select c.id from customers c join org_units u on u.id = c.county_id "
                            "where u.code = 'JN-LX'"
                        )
                    )
                ]
            engine.dispose()
            return asyncio.run(_drive(base, seconds, concurrency, ids))
        finally:
            server.terminate()
            server.wait(timeout=30)


def _wait_ready(base: str) -> None:
    for _ in range(200):
        try:
            httpx.get(f"{base}/openapi.json", timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--workers", type=int, default=2)
    a = ap.parse_args()
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    backends = ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]
    for b in backends:
        r = run(b, a.seconds, a.concurrency, a.workers)
        print(
            f"{b:10} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms"
            f"  p99 {r['p99_ms']:.1f} ms  ({r['requests']} requests, {r['lifecycles']} "
            f"lifecycles, {a.concurrency} clients, {a.workers} server workers)"
        )


if __name__ == "__main__":
    main()
