"""Loopback load benchmark: full order lifecycles over HTTP (create, dispatch, accept,
resolve, callback, close, then a read) against `weixi serve`, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.bench_orders_http --backend both

Reports sustained requests/s and latency percentiles per backend, and where the CPU
went (server workers, PostgreSQL backends, this load generator) per request. Only
127.0.0.1 is used.

The load generator shares the machine's cores with the server and the database, so it
is kept lean: one keep-alive connection per simulated client, requests written as raw
HTTP/1.1 bytes on an asyncio protocol and answers parsed just enough to read the status
and the new order's id. Every request is a real HTTP request through uvicorn, the
authentication, the services and a durable commit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import text
from tests.conftest import drop_pg_database, fresh_pg_database

from benchmarks.seed import seed_province
from weixi.auth.service import hash_password
from weixi.db.migrate import upgrade
from weixi.db.session import make_engine, make_session_factory

PASSWORD = "bench-password-1"
WARM_UP_SECONDS = 3.0


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


class _Http(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection, one request at a time."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self._buf += data
        end = self._buf.find(b"\r\n\r\n")
        if end < 0 or self._waiter is None:
            return
        head = bytes(self._buf[:end]).lower()
        at = head.find(b"content-length:")
        if at < 0:
            raise RuntimeError("the load generator reads only answers with a Content-Length")
        stop = head.find(b"\r\n", at)
        length = int(head[at + 15 : stop if stop > 0 else len(head)])
        if len(self._buf) < end + 4 + length:
            return
        body = bytes(self._buf[end + 4 : end + 4 + length])
        del self._buf[: end + 4 + length]
        waiter, self._waiter = self._waiter, None
        waiter.set_result((int(head[9:12]), body))

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc or ConnectionError("server closed the connection"))

    async def request(self, method: str, path: str, auth: bytes, body: bytes) -> tuple[int, bytes]:
        assert self._transport is not None
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(
            b"%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Type: application/json\r\n"
            b"Content-Length: %d\r\n\r\n%s"
            % (method.encode(), path.encode(), auth, len(body), body)
        )
        return await self._waiter


CREATE = b'{"kind":"complaint","customer_id":%d,"category":"network","title":"bench"}'
RESOLVE = b'{"resolution":"fixed"}'
CALLBACK = b'{"reached":true,"answers":{"resolved":true,"handling":5,"attitude":5}}'


async def _lifecycle(
    conn: _Http, auth: dict[str, bytes], cid: int, lat: list[float], t_ok: list[float]
) -> None:
    """create (dispatched by the rules) → accept → resolve → confirming callback (closes) → read"""

    async def call(method: str, path: str, who: str, body: bytes = b"") -> bytes:
        t0 = time.perf_counter()
        status, answer = await conn.request(method, path, auth[who], body)
        t1 = time.perf_counter()
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {answer[:300]!r}")
        lat.append(t1 - t0)
        t_ok.append(t1)
        return answer

    oid = json.loads(await call("POST", "/api/v1/orders", "agent", CREATE % cid))["id"]
    await call("POST", f"/api/v1/orders/{oid}/accept", "net")
    await call("POST", f"/api/v1/orders/{oid}/resolve", "net", RESOLVE)
    closed = json.loads(await call("POST", f"/api/v1/orders/{oid}/callbacks", "agent", CALLBACK))
    assert closed["resolved"] is True
    order = json.loads(await call("GET", f"/api/v1/orders/{oid}", "agent"))
    assert order["status"] == "closed" and order["callback_verified"] is True


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of one process (Linux /proc); 0 when it is gone or unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, IndexError, PermissionError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes(match: str | int) -> dict[int, float]:
    """CPU seconds of the processes whose command line contains ``match`` (a string), or
    of process ``match`` (a pid) and its children."""
    found: dict[int, float] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if not entry.name.isdigit():
            continue
        try:
            if isinstance(match, int):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                hit = int(entry.name) == match or ppid == match
            else:
                hit = match in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, PermissionError, ProcessLookupError, IndexError):
            continue
        if hit:
            found[int(entry.name)] = _cpu_seconds(int(entry.name))
    return found


def _delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(v - before.get(k, 0.0) for k, v in after.items())


def _machine_busy() -> float:
    """CPU seconds spent by everything on the machine so far (Linux /proc/stat)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except (FileNotFoundError, PermissionError):
        return 0.0
    idle = int(fields[3]) + int(fields[4])
    return (sum(int(f) for f in fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def _balanced_connections(port: int, n: int, server_pid: int, workers: int) -> list[_Http]:
    """``n`` keep-alive connections spread evenly over the server's ``workers`` processes.

    The workers share one listening socket, and connections opened together are often
    all accepted by one worker, which then serves every client on one core while the
    other idles (seen: 8 connections 8-0). Each connection's owner is looked up in /proc
    and connections on a crowded worker are replaced until no worker has more than its
    share (rounded up), for up to 30 s; where /proc cannot tell, they are kept as they are.
    """
    loop = asyncio.get_running_loop()

    async def connect() -> tuple[asyncio.Transport, _Http]:
        return await loop.create_connection(_Http, "127.0.0.1", port)

    conns = [await connect() for _ in range(n)]
    deadline = time.monotonic() + 30  # a worker still starting accepts nothing yet
    while Path("/proc/net/tcp").exists() and time.monotonic() < deadline:
        owners = _owners(port, server_pid, [t.get_extra_info("sockname")[1] for t, _ in conns])
        if len(owners) < n:  # not all accepted yet
            await asyncio.sleep(0.05)
            continue
        load = {w: [i for i, o in owners.items() if o == w] for w in set(owners.values())}
        crowded = max(load.values(), key=len)
        if len(crowded) <= -(-n // workers):
            break
        conns[crowded[0]][0].close()
        conns[crowded[0]] = await connect()
        await asyncio.sleep(0.05)
    owners = _owners(port, server_pid, [t.get_extra_info("sockname")[1] for t, _ in conns])
    spread = sorted(Counter(owners.values()).values(), reverse=True)
    print(f"# connections per server worker: {' / '.join(map(str, spread)) or 'unknown'}")
    return [c for _, c in conns]


def _workers(server_pid: int) -> list[int]:
    """The server's worker processes (children that listen on the server's socket)."""
    return [p for p in _processes(server_pid) if p != server_pid and _socket_inodes(p)]


def _socket_inodes(pid: int) -> set[str]:
    found = set()
    try:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                if link.startswith("socket:["):
                    found.add(link[8:-1])
    except OSError:
        pass
    return found


def _owners(port: int, server_pid: int, client_ports: list[int]) -> dict[int, int]:
    """Index of each client connection → the pid of the worker holding its server side."""
    inode_of: dict[int, str] = {}
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return {}
    for line in lines:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.rsplit(":", 1)[1], 16) == port:
            inode_of[int(remote.rsplit(":", 1)[1], 16)] = inode
    holder = {inode: pid for pid in _workers(server_pid) for inode in _socket_inodes(pid)}
    return {
        i: holder[inode_of[p]]
        for i, p in enumerate(client_ports)
        if p in inode_of and inode_of[p] in holder
    }


async def _drive(
    port: int,
    seconds: float,
    concurrency: int,
    customers: list[int],
    server: tuple[int, int],
    db_tag: str,
) -> dict[str, float]:
    server_pid, workers = server
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        tokens = {
            "agent": await _token(client, "JN-LX-agent"),
            "net": await _token(client, "JN-LX-network-h"),
        }
    auth = {k: f"Authorization: {v['Authorization']}\r\n".encode() for k, v in tokens.items()}
    conns = await _balanced_connections(port, concurrency, server_pid, workers)
    lat: list[float] = []
    t_ok: list[float] = []
    stop = time.perf_counter() + WARM_UP_SECONDS + seconds

    async def worker(i: int) -> None:
        n = 0
        while time.perf_counter() < stop:
            await _lifecycle(conns[i], auth, customers[(i * 7 + n) % len(customers)], lat, t_ok)
            n += 1

    async def measure() -> dict[str, float]:
        await asyncio.sleep(WARM_UP_SECONDS)
        n0, t0 = len(lat), time.perf_counter()
        cpu0 = (_processes(server_pid), _processes(db_tag), time.process_time(), _machine_busy())
        await asyncio.sleep(seconds)
        n1, t1 = len(lat), time.perf_counter()
        cpu1 = (_processes(server_pid), _processes(db_tag), time.process_time(), _machine_busy())
        window = lat[n0:n1]
        q = statistics.quantiles(window, n=100)
        per = 1000 / max(len(window), 1)
        return {
            "requests": len(window),
            "rps": len(window) / (t1 - t0),
            "p50_ms": q[49] * 1000,
            "p95_ms": q[94] * 1000,
            "p99_ms": q[98] * 1000,
            "max_ms": max(window) * 1000,
            "server_cpu_ms": _delta(cpu0[0], cpu1[0]) * per,
            "db_cpu_ms": _delta(cpu0[1], cpu1[1]) * per,
            # Backends that ended inside the window took their CPU time with them.
            "db_backends_gone": len(cpu0[1].keys() - cpu1[1].keys()),
            "client_cpu_ms": (cpu1[2] - cpu0[2]) * per,
            "machine_cpu_ms": (cpu1[3] - cpu0[3]) * per,
            "machine_busy": (cpu1[3] - cpu0[3]) / (t1 - t0) / (os.cpu_count() or 1),
        }

    result, *_ = await asyncio.gather(measure(), *(worker(i) for i in range(concurrency)))
    for c in conns:
        if c._transport is not None:
            c._transport.close()
    return result


def _event_loop_policy() -> None:
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def run(backend: str, seconds: float, concurrency: int, workers: int) -> dict[str, float]:
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
            _wait_ready(f"http://127.0.0.1:{port}")
            engine = make_engine(url)
            with engine.connect() as c:
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
            db_tag = f" {url.rsplit('/', 1)[1]} " if backend == "postgresql" else "\0none"
            _event_loop_policy()
            return asyncio.run(
                _drive(port, seconds, concurrency, ids, (server.pid, workers), db_tag)
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
            if backend == "postgresql":
                drop_pg_database(url)


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
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} cores, load {load}")
    backends = ["sqlite", "postgresql"] if a.backend == "both" else [a.backend]
    for b in backends:
        r = run(b, a.seconds, a.concurrency, a.workers)
        print(
            f"{b:10} {r['rps']:7.1f} req/s  p50 {r['p50_ms']:.1f} ms  p95 {r['p95_ms']:.1f} ms"
            f"  p99 {r['p99_ms']:.1f} ms  max {r['max_ms']:.0f} ms  ({r['requests']:.0f} requests,"
            f" {a.concurrency} clients, {a.workers} server workers, {WARM_UP_SECONDS:.0f} s warm-up"
            f" not counted)\n{'':10} CPU per request: server {r['server_cpu_ms']:.2f} ms,"
            f" PostgreSQL backends {r['db_cpu_ms']:.2f} ms{_gone(r)}, load generator"
            f" {r['client_cpu_ms']:.2f} ms, whole machine {r['machine_cpu_ms']:.2f} ms"
            f" (busy {r['machine_busy']:.0%}); load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )


def _gone(r: dict[str, float]) -> str:
    n = int(r["db_backends_gone"])
    return f" (undercounted: {n} backends ended during the window)" if n else ""


if __name__ == "__main__":
    main()
