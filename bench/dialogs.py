"""Dialog list benchmark: p50/p95 of filter + sort + page queries over N conversations.

    .venv/bin/python bench/dialogs.py --db both --conversations 100000
    .venv/bin/python bench/dialogs.py --db postgresql --conversations 1000000 --runs 30

1. Make a fresh database (SQLite file, or a PostgreSQL database ``dozor_bench_dialogs``) at the
   newest schema, indexes included.
2. Fold N synthetic conversations (chats, calls and e-mails over 30 days, 3 groups, 200
   operators; a client and an operator exchange ``--messages`` messages on average) with the real
   ``state.fold``, and write the rows and their ``message.created`` events in bulk (the writer
   is not what is measured here; ``bench/ingest.py`` measures it). ANALYZE.
3. Run each query of the list (the page's own ``listing.page`` and ``listing.summary``) ``--runs``
   times and print p50 and p95 in ms, and the plan (EXPLAIN) of its first run.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

import asyncpg
from sqlalchemy import select

from dozor.config import Settings
from dozor.conversations import filters, listing
from dozor.conversations.access import Scope
from dozor.conversations.columns import sort_sql
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS, fold
from dozor.db import create_engine, sessionmaker
from dozor.events import contract as c
from dozor.events.models import StoredEvent
from dozor.migrate import upgrade

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
NAME = "dozor_bench_dialogs"
START = datetime(2026, 2, 1, tzinfo=UTC)
ZONE = ZoneInfo("Europe/Moscow")
ALL = Scope(actor="bench", everything=True)
GROUPS = ("support", "sales", "vip")
NAMES = ("Анна", "Борис", "Вера", "Глеб", "Дарья", "Егор", "Жанна", "Илья", "Ксения", "Лев")
WORDS = ("заказ", "доставка", "оплата", "возврат", "карта", "курьер", "адрес", "скидка")
CHUNK = 5000


def _events(n: int, rng: random.Random, messages: int) -> list[Any]:
    """One conversation's events, built without validation (they are well-formed)."""
    cid, t = f"b{n}", START + timedelta(seconds=rng.uniform(0, 30 * 86400))
    medium = rng.choice(("chat", "chat", "chat", "call", "email"))
    made: list[Any] = []

    def add(model: Any, seconds: float, **fields: Any) -> None:
        nonlocal t
        t += timedelta(seconds=seconds)
        kind = get_args(model.model_fields["type"].annotation)[0]
        made.append(
            model.model_construct(
                id=f"{cid}-{len(made)}", type=kind, ts=t, conversation_id=cid, **fields
            )
        )

    client = c.Client.model_construct(
        id=None, name=f"{rng.choice(NAMES)} {n}", phone=f"+7916{n:07d}", email=None
    )
    add(c.ConversationOpened, 0, channel_id=f"{medium}-1", medium=medium, direction="inbound",
        group_id=rng.choice(GROUPS), client=client, topic=None, page_url=None, crm_ref=None,
        personal=False)  # fmt: skip
    operator = f"op-{rng.randrange(200)}"
    if rng.random() < 0.9:
        add(c.ConversationAccepted, rng.expovariate(1 / 40), operator_id=operator)
    for m in range(max(1, int(rng.expovariate(1 / messages)))):
        author = "client" if m % 2 == 0 else "operator"
        text = f"{rng.choice(WORDS)} {rng.choice(WORDS)} {n}"
        add(c.MessageCreated, rng.expovariate(1 / 60), message_id=f"m{m}", author=author,
            operator_id=operator if author == "operator" else None, text=text)  # fmt: skip
    if rng.random() < 0.8 or t < START + timedelta(days=29):
        add(c.ConversationClosed, rng.expovariate(1 / 30), by="operator", operator_id=operator,
            spam=rng.random() < 0.02, reason=None)  # fmt: skip
    return made


def _rows(first: int, count: int, messages: int, seed: int) -> tuple[list[dict], list[dict]]:
    rng = random.Random(seed + first)
    conversations, stored = [], []
    for n in range(first, first + count):
        events = _events(n, rng, messages)
        state = fold(events)
        conversations.append({name: getattr(state, name) for name in FIELDS})
        for e in events:
            if e.type == "message.created":
                stored.append(
                    {
                        "id": e.id,
                        "type": e.type,
                        "ts": e.ts,
                        "conversation_id": e.conversation_id,
                        "operator_id": e.operator_id,
                        "received_at": e.ts,
                        "payload": {
                            "conversation_id": e.conversation_id,
                            "message_id": e.message_id,
                            "author": e.author,
                            "text": e.text,
                        },
                    }  # fmt: skip
                )
    return conversations, stored


async def build(settings: Settings, total: int, messages: int, seed: int) -> None:
    await upgrade(settings)
    engine = create_engine(settings)
    began, done = time.monotonic(), 0
    async with engine.begin() as connection:
        while done < total:
            count = min(CHUNK, total - done)
            conversations, stored = _rows(done, count, messages, seed)
            await connection.execute(Conversation.__table__.insert(), conversations)
            await connection.execute(StoredEvent.__table__.insert(), stored)
            done += count
            if done % (CHUNK * 20) == 0 or done == total:
                print(f"  built {done:,} conversations in {time.monotonic() - began:.0f} s")
    async with engine.connect() as connection:
        await connection.exec_driver_sql("ANALYZE")
        await connection.commit()
    await engine.dispose()


QUERIES: list[tuple[str, list[tuple[str, str]], listing.Sort]] = [
    ("newest first", [], listing.Sort()),
    ("active, newest first", [("active", "true")], listing.Sort()),
    ("group, by created", [("group", "sales")], listing.Sort("created_at", True)),
    ("operator, by changed", [("operator", "op-7")], listing.Sort("changed_at", True)),
    ("overdue", [("overdue", "true")], listing.Sort()),
    (
        "closed in a day, by wait",
        [("closed_at_from", "2026-02-10T00:00"), ("closed_at_to", "2026-02-11T00:00")],
        listing.Sort("wait_first_answer", True),
    ),  # fmt: skip
    ("client name contains", [("client_name", "ксения 12")], listing.Sort()),
    ("free text (messages)", [("q", "курьер адрес 4242")], listing.Sort()),
]


async def measure(settings: Settings, runs: int) -> None:
    engine = create_engine(settings)
    sessions = sessionmaker(engine)
    now = START + timedelta(days=30)
    for title, items, sort in QUERIES:
        dialog_filter = filters.from_query(items)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            async with sessions() as session:
                await listing.page(session, dialog_filter=dialog_filter, scope=ALL, now=now,
                                   zone=ZONE, sort=sort)  # fmt: skip
            times.append((time.perf_counter() - began) * 1000)
        print(f"  {title:28} p50 {statistics.median(times):8.1f} ms   p95 {_p95(times):8.1f} ms")
        print("      plan: " + await _plan(engine, dialog_filter, sort, now))
    await _deep_pages(sessions, now)
    await _summary(sessions, now, runs)
    await engine.dispose()


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)]


async def _plan(engine: Any, dialog_filter: Any, sort: listing.Sort, now: datetime) -> str:
    dialect = engine.dialect.name
    where = filters.conditions(dialog_filter, now=now, zone=ZONE, dialect=dialect)
    statement = (
        select(Conversation.__table__, sort_sql(sort.key, now).label("sort_value"))
        .where(*where)
        .order_by(*listing.order_by(sort, now))
        .limit(51)
    )
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(prefix + sql)).all()
    lines = [str(row[-1]).strip() for row in rows]
    return " | ".join(lines[:4])


async def _deep_pages(sessions: Any, now: datetime) -> None:
    cursor, times = None, []
    for _ in range(20):
        began = time.perf_counter()
        async with sessions() as session:
            page = await listing.page(session, dialog_filter=filters.DialogFilter(), scope=ALL,
                                      now=now, zone=ZONE, cursor=cursor)  # fmt: skip
        times.append((time.perf_counter() - began) * 1000)
        cursor = page.next_cursor
    print(f"  {'20 pages by cursor':28} p50 {statistics.median(times):8.1f} ms   "
          f"p95 {_p95(times):8.1f} ms")  # fmt: skip


async def _summary(sessions: Any, now: datetime, runs: int) -> None:
    dialog_filter = filters.from_query([("group", "vip"), ("created_at_from", "2026-02-20T00:00")])
    times = []
    for _ in range(max(3, runs // 4)):
        began = time.perf_counter()
        async with sessions() as session:
            await listing.summary(session, dialog_filter=dialog_filter, scope=ALL, now=now,
                                  zone=ZONE)  # fmt: skip
        times.append((time.perf_counter() - began) * 1000)
    print(f"  {'summary (a group, 10 days)':28} p50 {statistics.median(times):8.1f} ms   "
          f"p95 {_p95(times):8.1f} ms")  # fmt: skip


async def _postgres_settings() -> Settings:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    await connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await connection.execute(f'CREATE DATABASE "{NAME}"')
    await connection.close()
    return Settings(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{NAME}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--messages", type=float, default=10, help="Messages per conversation.")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        print(f"{db}: {args.conversations:,} conversations, ~{args.messages:g} messages each")
        with tempfile.TemporaryDirectory(prefix="dozor-bench-") as folder:
            if db == "sqlite":
                settings = Settings(data_dir=Path(folder))
            else:
                settings = await _postgres_settings()
            began = time.monotonic()
            await build(settings, args.conversations, args.messages, args.seed)
            print(f"  built in {time.monotonic() - began:.0f} s")
            await measure(settings, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
