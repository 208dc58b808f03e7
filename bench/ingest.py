"""Ingest benchmark: sustained events/s through ``POST /api/v1/events``, against the raw limit.

    .venv/bin/python bench/ingest.py --db both --events 100000 --runs 5 --concurrency 64

Each run, on a fresh database:

1. Start the real server (``bench/server.py``: uvicorn, uvloop, httptools, no access log) in a
   subprocess, with an API token.
2. Post the demo's events in batches of 100 from ``--concurrency`` senders. Each sender is one
   integration: it owns a share of the conversations (and operators) and sends its events in time
   order, one request at a time, so no event arrives late and group commit has company. 64 by
   default: a sustained rate is the server's, once enough requests wait that the senders' own
   round trips no longer set it (with 12, each waited on its answer while the cores had room;
   docs/performance.md shows the rate by senders, with each request's time to its answer).
3. Take the rows the server stored (events, conversations, operators, directory) and write them
   into a second fresh database with the same schema and indexes, as fast as the driver allows:
   COPY on PostgreSQL, one ``executemany`` transaction on SQLite. That is the raw limit.

Both rates are events/s: the events sent divided by the seconds each write took, so the ratio
compares the whole write path with the bare cost of storing what it produced. Every process
(client, server, database) shares the machine: the load average printed with each run tells a
quiet run from a disturbed one, and the CPU each spent per event (the database's: its backends
for this database, when it runs on this machine) is steadier than the rates.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)

import argparse
import asyncio
import contextlib
import itertools
import os
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import orjson

from dozor.auth.service import create_token
from dozor.clock import SystemClock
from dozor.config import Settings
from dozor.db import create_engine, sessionmaker
from dozor.migrate import upgrade
from dozor.simulate import generate

HERE = Path(__file__).parent
BATCH = 100
START = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
TABLES = ("groups", "channels", "topics", "operators", "conversations", "events")
PG_TABLES = (*TABLES, "message_texts")  # PostgreSQL's message index (events/models.py)


# -- the events ----------------------------------------------------------------------------------


def demo_events(count: int, seed: int) -> list[dict[str, Any]]:
    """The first ``count`` events of the demo's day (and the next days, if one is not enough)."""
    return list(itertools.islice(generate(seed, START, 24 * 30), count))


def _sender_of(event: dict[str, Any], senders: int) -> int:
    key = event.get("conversation_id") or event.get("operator_id") or event["id"]
    return zlib.crc32(key.encode()) % senders


def sender_bodies(events: list[dict[str, Any]], senders: int) -> list[list[bytes]]:
    """Split the events among ``senders`` integrations, each in time order, 100 to a body."""
    streams: list[list[dict[str, Any]]] = [[] for _ in range(senders)]
    for event in events:
        streams[_sender_of(event, senders)].append(event)
    return [
        [orjson.dumps(stream[i : i + BATCH]) for i in range(0, len(stream), BATCH)]
        for stream in streams
    ]


# -- databases -----------------------------------------------------------------------------------


@dataclass
class Database:
    kind: str
    settings: Settings
    raw_url: str  # what sqlite3 / asyncpg connect to


@asynccontextmanager
async def fresh_database(kind: str, admin_url: str) -> AsyncIterator[Database]:
    """A new, migrated, empty database, removed afterwards."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix="dozor-bench-"))
        try:
            settings = Settings(data_dir=folder, secret_key="bench")
            await upgrade(settings)
            yield Database(kind, settings, str(folder / "dozor.sqlite3"))
        finally:
            shutil.rmtree(folder)
        return
    name = f"dozor_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        raw_url = f"{admin_url.rsplit('/', 1)[0]}/{name}"
        url = raw_url.replace("postgresql://", "postgresql+asyncpg://")
        settings = Settings(
            database_url=url, data_dir=Path(tempfile.gettempdir()), secret_key="bench"
        )
        await upgrade(settings)
        yield Database(kind, settings, raw_url)
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def api_token(settings: Settings) -> str:
    engine = create_engine(settings)
    async with sessionmaker(engine)() as session, session.begin():
        token = await create_token(session, name="bench", clock=SystemClock())
    await engine.dispose()
    return token


# -- through HTTP --------------------------------------------------------------------------------


@dataclass
class HttpRun:
    seconds: float
    server_cpu: float  # seconds of CPU the server process used while the events went in
    client_cpu: float  # and this process, sending them
    database_cpu: float | None  # and the PostgreSQL backends of the database, when on this machine
    latencies: list[float]  # of the requests, seconds


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _python_pid(server: subprocess.Popen[bytes], profile: Path | None) -> int:
    if profile is None:
        return server.pid
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    return int(children[0]) if children else server.pid


async def _wait_until_ready(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(200):
            try:
                await client.get(f"{base}/openapi.json")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.05)
    raise RuntimeError("the server did not start")


@asynccontextmanager
async def running_server(
    settings: Settings, profile: Path | None
) -> AsyncIterator[tuple[str, int]]:
    """The server on a free port: its address and the pid of its Python process."""
    port = _free_port()
    env = {
        **os.environ,
        "DOZOR_DATABASE_URL": settings.database_url,
        "DOZOR_DATA_DIR": str(settings.data_dir),
        "DOZOR_SECRET_KEY": "bench",
    }
    command = [sys.executable, str(HERE / "server.py"), str(port)]
    if profile is not None:  # py-spy's collapsed stacks of the GIL holder, for speedscope
        py_spy = str(Path(sys.executable).parent / "py-spy")
        command = [py_spy, "record", "--gil", "--rate", "250", "--format", "raw"]
        command += ["--output", str(profile), "--", sys.executable, str(HERE / "server.py")]
        command += [str(port)]
    server = subprocess.Popen(command, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_until_ready(base)
        yield base, _python_pid(server, profile)
    finally:
        os.kill(_python_pid(server, profile), signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        if server.wait(timeout=60) not in (0, -signal.SIGTERM):
            raise RuntimeError(f"the server exited with {server.returncode}")


def encoded_requests(host: str, token: str, bodies: list[list[bytes]]) -> list[list[bytes]]:
    """Every sender's HTTP/1.1 requests, encoded whole before the clock starts."""
    head = (
        f"POST /api/v1/events HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n"
    )
    return [[head.format(len(body)).encode() + body for body in stream] for stream in bodies]


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one response (uvicorn always gives their length)."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if length is None:
        raise RuntimeError(f"an answer without content-length: {head[:300]!r}")
    return int(head[9:12]), await reader.readexactly(int(length[1]))


async def post_all(base: str, streams: list[list[bytes]]) -> tuple[float, list[float]]:
    """Send every sender's requests, each sender on its own keep-alive connection, one at a
    time; the seconds it took, and each request's from its sending to its answer. A bare
    HTTP/1.1 client: httpx cost 12–16 µs of CPU per event, which the server, sharing the cores,
    then lacked."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []

    async def sender(stream: list[bytes]) -> None:
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for request in stream:
                sent = time.perf_counter()
                writer.write(request)
                status, body = await _answer(reader)
                latencies.append(time.perf_counter() - sent)
                if status != 200 or orjson.loads(body)["duplicates"]:
                    raise RuntimeError(f"unexpected answer {status}: {body[:300]!r}")
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(sender(stream) for stream in streams))
    return time.perf_counter() - started, latencies


async def _backends_cpu(db: Database) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving ``db`` (none when not on this machine)."""
    if db.kind != "postgresql" or urlsplit(db.raw_url).hostname not in LOCAL_HOSTS:
        return {}
    connection = await asyncpg.connect(db.raw_url)
    try:
        pids = await connection.fetch(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    cpu = {}
    for (pid,) in pids:
        with contextlib.suppress(OSError):
            cpu[pid] = _cpu_seconds(pid)
    return cpu


async def through_http(db: Database, bodies: list[list[bytes]], profile: Path | None) -> HttpRun:
    token = await api_token(db.settings)
    async with running_server(db.settings, profile) as (base, pid):
        streams = encoded_requests(base.removeprefix("http://"), token, bodies)
        backends = await _backends_cpu(db)
        server_cpu, client_cpu = _cpu_seconds(pid), time.process_time()
        seconds, latencies = await post_all(base, streams)
        server_cpu = _cpu_seconds(pid) - server_cpu
        client_cpu = time.process_time() - client_cpu
        # backends opened during the run count whole; one closed during it would be missed
        after = await _backends_cpu(db)
        database = sum(cpu - backends.get(pid, 0.0) for pid, cpu in after.items())
        return HttpRun(seconds, server_cpu, client_cpu, database if after else None, latencies)


# -- the raw limit -------------------------------------------------------------------------------


async def raw_postgresql(source: Database, target: Database) -> tuple[float, int, float | None]:
    """COPY every stored row of ``source`` into ``target`` in one transaction: the seconds, the
    rows and the CPU seconds of the database's backend (None when not on this machine)."""
    reader = await asyncpg.connect(source.raw_url)
    tables = {}
    for table in PG_TABLES:
        rows = await reader.fetch(f"SELECT * FROM {table}")
        tables[table] = (list(rows[0].keys()) if rows else [], [tuple(r) for r in rows])
    await reader.close()
    writer = await asyncpg.connect(target.raw_url)
    backend = await _backends_cpu(target)
    started = time.perf_counter()
    async with writer.transaction():
        for table, (columns, rows) in tables.items():
            if rows:
                await writer.copy_records_to_table(table, records=rows, columns=columns)
    seconds = time.perf_counter() - started
    after = await _backends_cpu(target)
    await writer.close()
    cpu = sum(after[pid] - backend[pid] for pid in backend) if backend else None
    return seconds, sum(len(rows) for _, rows in tables.values()), cpu


def raw_sqlite(source: Database, target: Database) -> tuple[float, int]:
    """``executemany`` every stored row of ``source`` into ``target`` in one transaction."""
    reader = sqlite3.connect(source.raw_url)
    tables = {}
    for table in TABLES:
        cursor = reader.execute(f"SELECT * FROM {table}")
        tables[table] = ([d[0] for d in cursor.description], cursor.fetchall())
    reader.close()
    writer = sqlite3.connect(target.raw_url, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA synchronous=FULL")
    started = time.perf_counter()
    writer.execute("BEGIN")
    for table, (columns, rows) in tables.items():
        marks = ", ".join("?" * len(columns))
        writer.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    writer.execute("COMMIT")
    seconds = time.perf_counter() - started
    writer.close()
    return seconds, sum(len(rows) for _, rows in tables.values())


# -- runs and the report -------------------------------------------------------------------------


@dataclass
class Run:
    events: int
    http: HttpRun
    raw_seconds: float
    raw_rows: int
    raw_database_cpu: float | None = None

    @property
    def http_rate(self) -> float:
        return self.events / self.http.seconds

    @property
    def raw_rate(self) -> float:
        return self.events / self.raw_seconds


async def one_run(
    kind: str, events: int, bodies: list[list[bytes]], admin_url: str, profile: Path | None
) -> Run:
    async with fresh_database(kind, admin_url) as source:
        http = await through_http(source, bodies, profile)
        async with fresh_database(kind, admin_url) as target:
            if kind == "sqlite":
                return Run(events, http, *raw_sqlite(source, target))
            return Run(events, http, *await raw_postgresql(source, target))


def _load() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def report(kind: str, runs: list[Run], args: argparse.Namespace) -> None:
    def median(values: Any) -> float:
        return statistics.median(list(values))

    http, raw = median(r.http_rate for r in runs), median(r.raw_rate for r in runs)
    server = median(r.http.server_cpu / r.events * 1e6 for r in runs)
    client = median(r.http.client_cpu / r.events * 1e6 for r in runs)
    print(f"\n{kind}: {args.events:,} events in batches of {BATCH} from {args.concurrency} senders")
    print(f"medians of {len(runs)} run(s)        events/s")
    database = [r.http.database_cpu / r.events * 1e6 for r in runs if r.http.database_cpu]
    print(
        f"  through HTTP          {http:>10,.0f}   CPU per event: server {server:.0f} µs, "
        f"client {client:.0f} µs" + (f", database {median(database):.0f} µs" if database else "")
    )
    rows = median(r.raw_rows / r.raw_seconds for r in runs)
    raw_database = [r.raw_database_cpu / r.events * 1e6 for r in runs if r.raw_database_cpu]
    print(
        f"  raw limit             {raw:>10,.0f}   ({rows:,.0f} rows/s"
        + (f"; database {median(raw_database):.0f} µs per event)" if raw_database else ")")
    )
    print(f"  HTTP / raw            {median(r.http_rate / r.raw_rate for r in runs):>10.1%}")
    latencies = sorted(t for r in runs for t in r.http.latencies)
    p50, p95 = (latencies[int(len(latencies) * q)] * 1000 for q in (0.5, 0.95))
    print(f"  a request's answer    p50 {p50:.0f} ms, p95 {p95:.0f} ms (all runs' requests)\n")


async def bench(args: argparse.Namespace) -> None:
    events = demo_events(args.events, args.seed)
    bodies = sender_bodies(events, args.concurrency)
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
    for kind in ["sqlite", "postgresql"] if args.db == "both" else [args.db]:
        runs = []
        for number in range(1, args.runs + 1):
            profile = args.profile / f"{kind}-{number}.txt" if args.profile else None
            load = _load()
            run = await one_run(kind, len(events), bodies, args.postgres, profile)
            print(
                f"{kind} run {number}/{args.runs}: HTTP {run.http_rate:,.0f} events/s, "
                f"raw {run.raw_rate:,.0f} events/s (load average {load} -> {_load()})",
                flush=True,
            )
            runs.append(run)
        report(kind, runs, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--events", type=int, default=100_000, help="events per run")
    parser.add_argument("--runs", type=int, default=3, help="runs per database; medians shown")
    parser.add_argument("--concurrency", type=int, default=64, help="senders, one request each")
    parser.add_argument("--seed", type=int, default=1, help="seed of the demo's events")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("DOZOR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL to create the benchmark's databases in",
    )
    parser.add_argument(
        "--profile", type=Path, help="folder for py-spy profiles of the server, one per run"
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
