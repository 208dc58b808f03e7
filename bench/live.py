"""Live console benchmark: how soon an accepted event shows on the consoles' event streams, and
how much memory the server holds for a large center.

    .venv/bin/python bench/live.py --operators 5000 --open 100000 --streams 200 --rate 2000

1. A fresh database (SQLite, or ``--database-url``) with ``--operators`` operators in 20 groups,
   60 % of them online, and ``--open`` open conversations (a third new, the rest taken), stored
   through ``ingest.store_batches``, the writer's own path, before the server starts.
2. Start the real server (``bench/server.py``) and read its resident memory once the live
   state is built (the startup hooks run before it answers).
3. Log in as an admin and open ``--streams`` consoles' event streams, all on the list of the
   group ``probe``.
4. For ``--seconds``: post ``--rate`` events/s through ``POST /api/v1/events`` in batches of
   100 (chats opened, taken, answered, closed in 20 groups), and every 200 ms a probe: a chat
   opened in ``probe`` with a client named ``probe-N``. A probe's latency, on each stream, runs
   from the moment its POST was answered (the event is committed) to the moment the stream
   brings a ``list`` block naming it.
5. Print p50 and p99 over every (probe, stream) pair, the events/s achieved, and the memory.

Client and server share the machine: the load average printed tells a quiet run from a busy one.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from dozor.auth import service as auth_service
from dozor.clock import SystemClock
from dozor.config import Settings
from dozor.db import create_engine, write_sessionmaker
from dozor.directory.models import Group
from dozor.events import contract as c
from dozor.events.ingest import store_batches
from dozor.migrate import upgrade
from dozor.operators.models import Operator, OperatorGroup

HERE = Path(__file__).parent
GROUPS = [f"g{n:02d}" for n in range(20)]
PASSWORD = "bench-password"
PROBE = re.compile(rb"probe-(\d+)")


def event(**fields: Any) -> dict[str, Any]:
    return {"ts": datetime.now(UTC).isoformat(), **fields}


async def prepare(settings: Settings, operators: int, open_: int) -> str:
    """The center, its open conversations, an admin and an API token."""
    await upgrade(settings)
    engine = create_engine(settings)
    clock = SystemClock()
    async with write_sessionmaker(engine)() as session, session.begin():
        session.add_all(Group(id=g, name=f"Group {g}") for g in [*GROUPS, "probe"])
        await session.flush()
        session.add_all(Operator(id=f"op{n}", name=f"Operator {n}") for n in range(operators))
        await session.flush()
        session.add_all(
            OperatorGroup(operator_id=f"op{n}", group_id=GROUPS[n % 20]) for n in range(operators)
        )
        await auth_service.create_user(
            session, username="bench", password=PASSWORD, role="admin", clock=clock
        )
        token = await auth_service.create_token(session, name="bench", clock=clock)
    start = clock.now() - timedelta(minutes=30)
    statuses = [
        {
            "id": f"s{n}",
            "type": "operator.status",
            "ts": start,
            "operator_id": f"op{n}",
            "status": "online",
        }
        for n in range(operators)
        if n % 5 < 3
    ]
    await _store(engine, statuses)
    chunk: list[dict[str, Any]] = []
    for n in range(open_):
        at = start + timedelta(seconds=n * 1800 / max(open_, 1))
        group = GROUPS[n % 20]
        chunk.append(
            {
                "id": f"o{n}",
                "type": "conversation.opened",
                "ts": at,
                "conversation_id": f"c{n}",
                "channel_id": "web",
                "medium": "chat",
                "direction": "inbound",
                "group_id": group,
            }
        )
        if n % 3:
            chunk.append(
                {
                    "id": f"a{n}",
                    "type": "conversation.accepted",
                    "ts": at + timedelta(seconds=5),
                    "conversation_id": f"c{n}",
                    "operator_id": f"op{(n // 20 * 20 + n % 20) % operators}",
                }
            )
        if len(chunk) >= 5000:
            await _store(engine, chunk)
            chunk = []
    await _store(engine, chunk)
    await engine.dispose()
    return token


async def _store(engine: Any, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    events = [c.event_adapter.validate_python(r, strict=False) for r in rows]
    async with write_sessionmaker(engine)() as session, session.begin():
        await store_batches(session, [events], received_at=datetime.now(UTC))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def log_in(client: httpx.AsyncClient) -> None:
    page = (await client.get("/login")).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    data = {"username": "bench", "password": PASSWORD, "csrf_token": token}
    answer = await client.post("/login", data=data)
    assert answer.status_code == 303, answer.text


async def read_stream(
    client: httpx.AsyncClient, seen: dict[int, float], stop: asyncio.Event
) -> None:
    """Note when each probe first shows on this stream (raw bytes: a regex, no parsing)."""
    async with client.stream("GET", "/console/stream?list=new&lg=probe", timeout=None) as answer:
        tail = b""
        async for chunk in answer.aiter_raw():
            now = time.monotonic()
            for number in PROBE.findall(tail + chunk):
                seen.setdefault(int(number), now)
            tail = chunk[-32:]
            if stop.is_set():
                return


async def load(api: httpx.AsyncClient, rate: int, stop: asyncio.Event, sent: list[int]) -> None:
    """Chats of 20 groups: opened, taken, answered, closed; ``rate`` events a second."""
    n, open_ = 0, []
    interval = 100 / rate
    while not stop.is_set():
        tick = time.monotonic()
        batch = []
        while len(batch) < 100:
            n += 1
            cid = f"load{n}"
            batch.append(
                event(
                    id=f"{cid}-o",
                    type="conversation.opened",
                    conversation_id=cid,
                    channel_id="web",
                    medium="chat",
                    direction="inbound",
                    group_id=GROUPS[n % 20],
                )
            )
            open_.append(cid)
            if len(open_) > 300:
                old = open_.pop(0)
                batch.append(
                    event(
                        id=f"{old}-a",
                        type="conversation.accepted",
                        conversation_id=old,
                        operator_id=f"op{n % 97}",
                    )
                )
                batch.append(
                    event(
                        id=f"{old}-m",
                        type="message.created",
                        conversation_id=old,
                        message_id="m1",
                        author="operator",
                        operator_id=f"op{n % 97}",
                    )
                )
                batch.append(
                    event(
                        id=f"{old}-x",
                        type="conversation.closed",
                        conversation_id=old,
                        by="operator",
                    )
                )
        answer = await api.post("/api/v1/events", content=orjson.dumps(batch))
        assert answer.status_code == 200, answer.text
        sent[0] += len(batch)
        await asyncio.sleep(max(interval * len(batch) / 100 - (time.monotonic() - tick), 0))


async def probes(api: httpx.AsyncClient, stop: asyncio.Event, posted: dict[int, float]) -> None:
    n = 0
    while not stop.is_set():
        n += 1
        batch = [
            event(
                id=f"probe{n}",
                type="conversation.opened",
                conversation_id=f"p{n}",
                channel_id="web",
                medium="chat",
                direction="inbound",
                group_id="probe",
                client={"name": f"probe-{n}"},
            )
        ]
        if n > 3:  # keep the probes' list short
            batch.append(
                event(
                    id=f"probe{n}-x",
                    type="conversation.closed",
                    conversation_id=f"p{n - 3}",
                    by="client",
                )
            )
        answer = await api.post("/api/v1/events", content=orjson.dumps(batch))
        assert answer.status_code == 200, answer.text
        posted[n] = time.monotonic()
        await asyncio.sleep(0.2)


async def measure(url: str, token: str, args: argparse.Namespace, pid: int) -> None:
    limits = httpx.Limits(max_connections=args.streams + 10)
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=60) as console,
        httpx.AsyncClient(
            base_url=url,
            timeout=60,
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        ) as api,
    ):
        await log_in(console)
        stop = asyncio.Event()
        seen: list[dict[int, float]] = [{} for _ in range(args.streams)]
        readers = [asyncio.create_task(read_stream(console, s, stop)) for s in seen]
        await asyncio.sleep(3)  # every stream open and drawn once
        posted: dict[int, float] = {}
        sent = [0]
        started = time.monotonic()
        workers = [
            asyncio.create_task(load(api, args.rate // args.senders, stop, sent))
            for _ in range(args.senders)
        ]
        workers.append(asyncio.create_task(probes(api, stop, posted)))
        await asyncio.sleep(args.seconds)
        stop.set()
        elapsed = time.monotonic() - started
        await asyncio.gather(*workers)
        await asyncio.sleep(2)
        for reader in readers:
            reader.cancel()
        late = started + args.seconds - 1.5  # probes posted later may not have arrived yet
        latencies, firsts, missing = [], [], 0
        for number, at in posted.items():
            if at > late:
                continue
            mine = [(stream[number] - at) * 1000 for stream in seen if number in stream]
            missing += len(seen) - len(mine)
            latencies.extend(mine)
            firsts.append(min(mine, default=float("nan")))
        latencies.sort()
        firsts.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
        print(f"events/s sent: {sent[0] / elapsed:.0f} (asked {args.rate})")
        print(f"probes: {len(posted)}, pairs measured: {len(latencies)}, missing: {missing}")
        print(
            f"latency ms: p50 {statistics.median(latencies):.0f}  p99 {p99:.0f}  "
            f"max {latencies[-1]:.0f}"
        )
        # the first stream to show a probe tells the server's delay; the rest, the fan-out
        print(
            f"first stream per probe, ms: p50 {statistics.median(firsts):.0f}  max {firsts[-1]:.0f}"
        )
        print(f"server RSS after the run: {rss_mb(pid):.0f} MB")
        print(f"load average: {os.getloadavg()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--operators", type=int, default=5000)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--streams", type=int, default=200)
    parser.add_argument("--rate", type=int, default=2000, help="events/s of load")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--database-url", default="", help="PostgreSQL: an empty database")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dozor-bench-live-"))
    settings = Settings(data_dir=folder, database_url=args.database_url, secret_key="bench")
    began = time.monotonic()
    token = asyncio.run(prepare(settings, args.operators, args.open))
    print(
        f"prepared {args.operators} operators, {args.open} open conversations "
        f"in {time.monotonic() - began:.0f} s"
    )
    port = free_port()
    env = {
        **os.environ,
        "DOZOR_DATA_DIR": str(folder),
        "DOZOR_SECRET_KEY": "bench",
        "DOZOR_DATABASE_URL": args.database_url,
    }
    server = subprocess.Popen([sys.executable, str(HERE / "server.py"), str(port)], env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        began = time.monotonic()
        while True:
            try:
                if httpx.get(f"{url}/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        print(
            f"server {server.pid} up (live state built) in {time.monotonic() - began:.1f} s, "
            f"RSS {rss_mb(server.pid):.0f} MB"
        )
        asyncio.run(measure(url, token, args, server.pid))
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
