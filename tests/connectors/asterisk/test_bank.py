"""A real month of a bank's call center (/work/shared/data) through ``import-cdr --profile
anonymous-bank``, checked per day and per queue against Dozor's KPI functions — the expected
figures computed here straight from the file, by the rules of docs/asterisk.md.

SQLite takes the whole month (~33,000 calls, ~20 s); PostgreSQL its first week.
"""

import asyncio
import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from dozor.cli import main
from dozor.config import Settings
from dozor.db import create_engine, sessionmaker
from dozor.metrics import kpis, service
from dozor.metrics.records import Scope
from dozor.metrics.windows import Window
from tests.connectors.asterisk.helpers import env

DATA = Path("/work/shared/data/data_anonymous_bank_february.txt")
ISRAEL = ZoneInfo("Asia/Jerusalem")
CHECKED = (
    "accepted",
    "lost",
    "short_abandoned",
    "avg_wait",
    "max_wait",
    "service_level",
    "immediate_answer_pct",
    "avg_inbound_talk",
    "successful_inbound_pct",
)

pytestmark = pytest.mark.skipif(not DATA.exists(), reason="the bank data is not here")


# -- the expected figures, straight from the file --------------------------------------------


@dataclass
class Tally:
    waits_taken: list[float] = field(default_factory=list)
    waits_lost: list[float] = field(default_factory=list)
    short: int = 0
    talks: list[float] = field(default_factory=list)

    def kpis(self) -> dict[str, float | int | None]:
        taken, lost, waits = self.waits_taken, self.waits_lost, self.waits_taken + self.waits_lost
        offered = len(taken) + len(lost)
        return {
            "accepted": len(taken),
            "lost": len(lost),
            "short_abandoned": self.short,
            "avg_wait": sum(waits) / len(waits) if waits else None,
            "max_wait": max(waits, default=None),
            "service_level": 100 * sum(w <= 20 for w in taken) / offered if offered else None,
            "immediate_answer_pct": 100 * sum(w <= 1 for w in taken) / len(taken)
            if taken
            else None,
            "avg_inbound_talk": sum(self.talks) / len(self.talks) if self.talks else None,
            "successful_inbound_pct": 100 * sum(t > 30 for t in self.talks) / len(self.talks)
            if self.talks
            else None,
        }


def _expected(rows: list[dict[str, str]]) -> dict[tuple[date, str | None], Tally]:
    """Per local day and queue (None: all queues). A call served by a named agent is taken at
    ser_start (not before it queued) and talks until ser_exit; one served without queueing
    waited 0. A queued call nobody took is lost when it left the queue, short under 5 s.
    PHANTOM calls are ignored; times more than 12 h before the call's start are past midnight."""
    tallies: dict[tuple[date, str | None], Tally] = defaultdict(Tally)
    for row in rows:
        if row["outcome"] == "PHANTOM":
            continue
        day = datetime.strptime(row["date"], "%y%m%d").date()
        start = _on(day, row["vru_entry"])
        assert start is not None
        queued = _on(day, row["q_start"], start)
        queue = row["type"]

        def count(moment: datetime, queue: str = queue) -> list[Tally]:
            return [tallies[moment.date(), queue], tallies[moment.date(), None]]

        if row["outcome"] == "AGENT" and row["server"] != "NO_SERVER":
            answer = (
                _on(day, row["ser_start"], start)
                or (_on(day, row["q_exit"], start) if queued else None)
                or _on(day, row["vru_exit"], start)
            )
            assert answer is not None
            if queued is not None:
                answer = max(answer, queued)
            wait = (answer - queued).total_seconds() if queued else 0.0
            for tally in count(answer):
                tally.waits_taken.append(wait)
            end = max(_on(day, row["ser_exit"], start) or answer, answer)
            for tally in count(end):
                tally.talks.append((end - answer).total_seconds())
        elif queued is not None:
            left = max(_on(day, row["q_exit"], start) or queued, queued)
            wait = (left - queued).total_seconds()
            for tally in count(left):
                if wait < 5:
                    tally.short += 1
                else:
                    tally.waits_lost.append(wait)
    return tallies


def _on(day: date, text: str, start: datetime | None = None) -> datetime | None:
    if text == "0:00:00":
        return None
    hours, minutes, seconds = (int(part) for part in text.split(":"))
    moment = datetime.combine(day, time(hours, minutes, seconds))
    if start is not None and moment < start - timedelta(hours=12):
        moment += timedelta(days=1)
    return moment


# -- Dozor's figures ---------------------------------------------------------------------------


async def _dozor(settings: Settings, days: list[date], queues: set[str]) -> dict:  # type: ignore[type-arg]
    engine = create_engine(settings)
    found = {}
    async with sessionmaker(engine)() as session:
        for day in days:
            midnight = datetime.combine(day, time(), tzinfo=ISRAEL)
            window = Window(
                midnight.astimezone(UTC),
                (midnight + timedelta(days=1)).astimezone(UTC) - timedelta(microseconds=1),
            )
            contacts = await service.contacts(session, window=window, wrapup_limit=300)
            agents = await service.agents(session, window=window)
            rules = await service.rules(session, wrapup_limit=300)
            for queue in [*sorted(queues), None]:
                scope = Scope(groups=frozenset({queue})) if queue else Scope()
                figures = kpis.compute(contacts, agents, window, scope=scope, rules=rules)
                found[day, queue] = {key: figures[key] for key in CHECKED}
    await engine.dispose()
    return found


def test_a_month_of_a_bank_call_center_gives_the_kpis_of_its_file(
    settings: Settings, tmp_path: Path
) -> None:
    lines = DATA.read_text(encoding="utf-8").splitlines(keepends=True)
    if settings.database_url:  # PostgreSQL: the first week, the same path in a quarter of the time
        first_week = {f"9902{d:02d}" for d in range(1, 8)}
        lines = [lines[0], *(line for line in lines[1:] if line.split("\t")[5] in first_week)]
    source = tmp_path / DATA.name
    source.write_text("".join(lines), encoding="utf-8")
    rows = list(csv.DictReader(lines, delimiter="\t"))

    result = CliRunner().invoke(
        main,
        ["asterisk", "import-cdr", str(source), "--profile", "anonymous-bank"],
        env=env(settings),
    )
    assert result.exit_code == 0, result.output
    phantoms = sum(row["outcome"] == "PHANTOM" for row in rows)
    assert f"{len(rows)} records read" in result.output
    assert f"skipped {phantoms} × outcome PHANTOM" in result.output

    expected = {key: tally.kpis() for key, tally in _expected(rows).items()}
    days = sorted({day for day, _ in expected})
    queues = {row["type"] for row in rows}
    found = asyncio.run(_dozor(settings, days, queues))
    empty = Tally().kpis()
    for key, figures in found.items():
        assert figures == pytest.approx(expected.get(key, empty)), key
    served = sum(row["outcome"] == "AGENT" and row["server"] != "NO_SERVER" for row in rows)
    assert sum(found[day, None]["accepted"] for day in days) == served
