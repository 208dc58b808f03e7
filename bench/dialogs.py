"""Dialog list benchmark: p50/p95 of filter + sort + page queries over millions of conversations.

    .venv/bin/python bench/dialogs.py --db sqlite --conversations 1000000
    .venv/bin/python bench/dialogs.py --db postgresql --conversations 10000000 --keep
    .venv/bin/python bench/dialogs.py --db postgresql --measure-only   # the kept database

1. Build the data (``bench/dialogs_data.py``): a base of ``--base`` conversations folded with
   the real ``state.fold``, multiplied in the database to ``--conversations``, with ~10
   ``message.created`` events each. PostgreSQL: the database ``dozor_bench_dialogs``, dropped at
   the end unless ``--keep``. SQLite: a file in a temporary folder (``--folder`` keeps it).
2. Run each query of the list ``--runs`` times through the page's own ``listing.page`` (50 rows,
   the text probe of ``search.frequent`` included) and ``listing.summary``; print p50 and p95 in
   ms, how a text was searched, and the plan (EXPLAIN) of the page's statement.
"""

# ruff: noqa: T201  (a benchmark reports on stdout)

import argparse
import asyncio
import os
import re
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from dialogs_data import SPAN_DAYS, START, build
from sqlalchemy import select, text

from dozor.config import Settings
from dozor.conversations import filters, listing, search
from dozor.conversations.access import Scope
from dozor.conversations.columns import sort_sql
from dozor.conversations.models import Conversation
from dozor.db import create_engine, sessionmaker
from dozor.live.targets import SlaRules

POSTGRES = "postgresql://postgres@127.0.0.1:5432"
NAME = "dozor_bench_dialogs"
ZONE = ZoneInfo("Europe/Moscow")
ALL = Scope(actor="bench", everything=True)
SLA = SlaRules()  # DESIGN.md's targets
NOW = START + timedelta(days=SPAN_DAYS)
Query = tuple[str, list[tuple[str, str]], listing.Sort]


def queries(rare_order: str, rare_phone: str) -> list[Query]:
    """The list's own queries; ``rare_order`` and ``rare_phone`` are taken from the data."""
    by_number = listing.Sort()
    return [
        ("newest first", [], by_number),
        ("active, newest first", [("active", "true")], by_number),
        ("group, by created", [("group", "sales")], listing.Sort("created_at", True)),
        ("operator, by changed", [("operator", "op-7")], listing.Sort("changed_at", True)),
        ("overdue", [("overdue", "true")], by_number),
        (
            "closed in a day, by wait",
            [("closed_at_from", "2026-02-10T00:00"), ("closed_at_to", "2026-02-11T00:00")],
            listing.Sort("wait_first_answer", True),
        ),
        ("client name contains (4 %)", [("client_name", "смирнов")], by_number),
        ("client name contains (0.2 %)", [("client_name", "анна смирнов")], by_number),
        ("client phone contains (rare)", [("client_phone", rare_phone)], by_number),
        ("free text, a word (1 %)", [("q", "пылесос")], by_number),
        ("free text, an order (rare)", [("q", rare_order)], by_number),
        ("free text, № + 3 digits (0.017 %)", [("q", f"№{rare_order[:3]}")], by_number),
        ("free text, 2 letters", [("q", "ол")], by_number),
        (
            "operator + a word, by created",
            [("operator", "op-7"), ("q", "пылесос")],
            listing.Sort("created_at", True),
        ),  # fmt: skip
        (
            "group + an order, by closed",
            [("group", "sales"), ("q", rare_order)],
            listing.Sort("closed_at", True),
        ),  # fmt: skip
    ]


async def needles(engine: Any) -> tuple[str, str]:
    """An order number quoted in one message and seven digits of one phone, from the middle of
    the data."""
    async with engine.connect() as connection:
        middle = await connection.scalar(text("SELECT max(seq) / 2 FROM events"))
        extract = (
            "payload ->> 'text'"
            if engine.dialect.name == "postgresql"
            else "json_extract(payload, '$.text')"
        )
        rows = await connection.execute(
            text(f"SELECT {extract} FROM events WHERE seq BETWEEN :a AND :a + 2000"),
            {"a": middle},
        )
        order = next(m.group(1) for (t,) in rows if (m := re.search(r"№(\d{8})", t or "")))
        number = await connection.scalar(text("SELECT max(number) / 3 FROM conversations"))
        phone = await connection.scalar(
            select(Conversation.client_phone).where(Conversation.number == number)
        )
    return order, phone[-7:]


async def measure(settings: Settings, runs: int) -> None:
    engine = create_engine(settings)
    sessions = sessionmaker(engine)
    order, phone = await needles(engine)
    print(f"  load average {_load()}; needles: order {order}, phone …{phone}")
    for title, items, sort in queries(order, phone):
        dialog_filter = filters.from_query(items)
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            async with sessions() as session:
                await listing.page(session, dialog_filter=dialog_filter, scope=ALL, now=NOW,
                                   zone=ZONE, sla=SLA, sort=sort)  # fmt: skip
            times.append((time.perf_counter() - began) * 1000)
        plan, way = await _plan(engine, sessions, dialog_filter, sort)
        print(f"  {title:32} p50 {statistics.median(times):8.1f} ms   p95 {_p95(times):8.1f} ms"
              f"   {way}")  # fmt: skip
        print("      plan: " + plan)
    await _deep_pages(sessions)
    await _summary(sessions, runs)
    print(f"  load average {_load()}")
    await engine.dispose()


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, int(len(times) * 0.95) - 1)]


async def _plan(engine: Any, sessions: Any, dialog_filter: Any, sort: listing.Sort) -> tuple:
    """The plan of the page's statement (in its first window of numbers, if any), and how its
    texts were searched."""
    async with sessions() as session:
        frequent = await search.frequent(session, dialog_filter)
        numbers = await listing.first_window(session, dialog_filter, frequent, sort, 50, None)
    dialect = engine.dialect.name
    where = filters.conditions(dialog_filter, now=NOW, zone=ZONE, dialect=dialect, sla=SLA,
                               frequent=frequent, numbers=numbers)  # fmt: skip
    statement = (
        select(Conversation.__table__, sort_sql(sort.key, NOW, SLA).label("sort_value"))
        .where(*where)
        .order_by(*listing.order_by(sort, NOW, SLA))
        .limit(51)
    )
    sql = str(statement.compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
    prefix = "EXPLAIN QUERY PLAN " if dialect == "sqlite" else "EXPLAIN "
    async with engine.connect() as connection:
        rows = (await connection.exec_driver_sql(prefix + sql)).all()
    lines = [re.sub(r"\s+", " ", str(row[-1]).strip()) for row in rows]
    texts = {n: t for n in ("q", *search.CLIENT) if (t := getattr(dialog_filter, n))}
    way = ", ".join(f"{n}: {_way(n, t, frequent)}" for n, t in texts.items())
    if numbers is not None:
        way += f", first window {numbers.high - numbers.low - 1:,} numbers"
    return " | ".join(line[:140] for line in lines[:8]), way


def _way(name: str, text: str, frequent: frozenset[str]) -> str:
    return "along the list" if name in frequent or len(text) < search.TRIGRAM else "from the index"


async def _deep_pages(sessions: Any) -> None:
    cursor, times = None, []
    for _ in range(20):
        began = time.perf_counter()
        async with sessions() as session:
            page = await listing.page(session, dialog_filter=filters.DialogFilter(), scope=ALL,
                                      now=NOW, zone=ZONE, sla=SLA, cursor=cursor)  # fmt: skip
        times.append((time.perf_counter() - began) * 1000)
        cursor = page.next_cursor
    print(f"  {'20 pages by cursor':32} p50 {statistics.median(times):8.1f} ms   "
          f"p95 {_p95(times):8.1f} ms")  # fmt: skip


async def _summary(sessions: Any, runs: int) -> None:
    dialog_filter = filters.from_query([("group", "vip"), ("created_at_from", "2026-02-20T00:00")])
    times = []
    for _ in range(max(3, runs // 4)):
        began = time.perf_counter()
        async with sessions() as session:
            await listing.summary(session, dialog_filter=dialog_filter, scope=ALL, now=NOW,
                                  zone=ZONE, sla=SLA)  # fmt: skip
        times.append((time.perf_counter() - began) * 1000)
    print(f"  {'summary (a group, 10 days)':32} p50 {statistics.median(times):8.1f} ms   "
          f"p95 {_p95(times):8.1f} ms")  # fmt: skip


async def _postgres(*, fresh: bool) -> Settings:
    if fresh:
        connection = await asyncpg.connect(f"{POSTGRES}/postgres")
        await connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{NAME}"')
        await connection.close()
    return Settings(database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{NAME}")


async def _drop_postgres() -> None:
    connection = await asyncpg.connect(f"{POSTGRES}/postgres")
    await connection.execute(f'DROP DATABASE IF EXISTS "{NAME}" WITH (FORCE)')
    await connection.close()


async def _size(settings: Settings) -> str:
    if settings.database_url:
        connection = await asyncpg.connect(f"{POSTGRES}/{NAME}")
        size = await connection.fetchval("SELECT pg_database_size(current_database())")
        await connection.close()
    else:
        size = (settings.data_dir / "dozor.sqlite3").stat().st_size
    return f"{size / 2**30:.1f} GiB"


async def run(db: str, args: argparse.Namespace, folder: Path) -> None:
    if db == "sqlite":
        settings = Settings(data_dir=folder)
    else:
        settings = await _postgres(fresh=not args.measure_only)
    if not args.measure_only:
        print(f"{db}: {args.conversations:,} conversations, ~{args.messages:g} messages each")
        began = time.monotonic()
        await build(settings, total=args.conversations, base=args.base, messages=args.messages,
                    seed=args.seed)  # fmt: skip
        print(f"  built in {time.monotonic() - began:.0f} s")
    print(f"{db}: database of {await _size(settings)}")
    await measure(settings, args.runs)
    if db == "postgresql" and not (args.keep or args.measure_only):  # a kept one stays
        await _drop_postgres()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=100_000, help="Conversations folded.")
    parser.add_argument("--messages", type=float, default=10, help="Messages per conversation.")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="Keep the PostgreSQL database built.")
    parser.add_argument("--folder", type=Path, help="SQLite: build (or measure) here, and keep.")
    parser.add_argument(
        "--measure-only", action="store_true", help="Measure a kept database (and keep it)."
    )
    args = parser.parse_args()
    for db in ("sqlite", "postgresql") if args.db == "both" else (args.db,):
        if args.folder is not None:
            args.folder.mkdir(parents=True, exist_ok=True)
            await run(db, args, args.folder)
            continue
        with tempfile.TemporaryDirectory(prefix="dozor-bench-") as folder:
            await run(db, args, Path(folder))


if __name__ == "__main__":
    asyncio.run(main())
