"""``follow-queue-log``: tailing through rotation and truncation, and resuming exactly after a
crash — a real process killed with SIGKILL, on both databases."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.connectors import offsets
from dozor.connectors.asterisk.follow import Follower, identity
from dozor.connectors.asterisk.mapping import map_record
from dozor.connectors.asterisk.queue_log import parse_line
from dozor.connectors.models import ConnectorOffset
from dozor.events.models import StoredEvent
from dozor.events.writer import Writer
from tests.connectors.asterisk.helpers import EPOCH, env, rows

MSK = ZoneInfo("Europe/Moscow")


def _calls(first: int, count: int) -> list[str]:
    """Three queue_log lines per call: enter, connect, complete."""
    lines = []
    for n in range(first, first + count):
        call = f"{EPOCH}.{n}"
        lines += [
            f"{EPOCH + n}|{call}|support|NONE|ENTERQUEUE||+7495{n:07d}|1\n",
            f"{EPOCH + n + 5}|{call}|support|PJSIP/10{n % 7}|CONNECT|5|{call}1|2\n",
            f"{EPOCH + n + 65}|{call}|support|PJSIP/10{n % 7}|COMPLETECALLER|5|60|1\n",
        ]
    return lines


def _ids(lines: list[str]) -> set[str]:
    ids: set[str] = set()
    for line in lines:
        record = parse_line(line)
        assert record is not None
        ids.update(e.id for e in map_record(record, channel="asterisk"))  # type: ignore[union-attr]
    return ids


def _append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as handle:
        handle.write(text)


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(StoredEvent.id))).all())


async def _until(check: Callable[[], object], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():  # type: ignore[misc]
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_follow_survives_rotation_truncation_and_a_restart(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], clock: ManualClock, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    first = _calls(0, 4)
    # the last line is torn: Asterisk is halfway through writing it
    path.write_text("".join(first[1:]) + first[0][:25], encoding="utf-8")
    sent: list[str] = first[1:]

    def follower() -> Follower:
        return Follower(path, writer, clock, "asterisk", MSK, batch=4, interval=0.01)

    async def caught_up() -> bool:
        return await _stored(sessions) == _ids(sent)

    stop = asyncio.Event()
    task = asyncio.create_task(follower().run(stop, None))
    await _until(caught_up)  # the torn line is not read until its newline comes

    _append(path, first[0][25:])
    sent.append(first[0])
    await _until(caught_up)

    # logrotate's default: rename, Asterisk keeps appending to the old file until it reopens
    path.rename(tmp_path / "queue_log.1")
    late, fresh = _calls(10, 1), _calls(20, 2)
    _append(tmp_path / "queue_log.1", "".join(late))
    path.write_text("".join(fresh), encoding="utf-8")
    sent += late + fresh
    await _until(caught_up)

    # copytruncate: the same inode, emptied and refilled
    refill = _calls(30, 3)
    with path.open("r+", encoding="utf-8") as handle:
        handle.truncate(0)
    _append(path, "".join(refill))
    sent += refill
    await _until(caught_up)
    stop.set()
    await task

    async with sessions() as session:
        stored = await offsets.read(session, source=follower().source)
    with path.open("rb") as handle:
        assert stored == offsets.Position(identity(handle.fileno()), path.stat().st_size)

    # stopped; meanwhile more lines, and a rotation: the next run finishes the rotated file first
    tail, after = _calls(40, 2), _calls(50, 2)
    _append(path, "".join(tail))
    path.rename(tmp_path / "queue_log.2")
    path.write_text("".join(after), encoding="utf-8")
    sent += tail + after
    stop = asyncio.Event()
    task = asyncio.create_task(follower().run(stop, stored))
    await _until(caught_up)
    stop.set()
    await task


def _count(settings: Settings) -> int:
    return rows(settings, select(func.count()).select_from(StoredEvent))[0][0]


def _follow(settings: Settings, path: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "dozor.cli", "asterisk", "follow-queue-log", str(path)]
    return subprocess.Popen(
        [*command, "--batch", "20", "--interval", "0.05"],
        env={**os.environ, **env(settings)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _wait_for(check: Callable[[], bool], process: subprocess.Popen[str], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_a_killed_follower_resumes_with_nothing_lost_and_nothing_doubled(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "queue_log"
    lines = _calls(0, 1000)
    path.write_text("".join(lines), encoding="utf-8")
    total = len(_ids(lines))

    process = _follow(settings, path)
    _wait_for(lambda: _count(settings) >= 300, process, timeout=30)
    process.send_signal(signal.SIGKILL)
    process.wait()

    # what was committed is exactly the events of the lines before the stored offset
    [(offset,)] = rows(settings, select(ConnectorOffset.offset))
    text = path.read_bytes()
    assert 0 < offset < len(text) and text[offset - 1 : offset] == b"\n"
    before = text[:offset].decode().splitlines(keepends=True)
    stored = {row[0] for row in rows(settings, select(StoredEvent.id))}
    assert stored == _ids(before) and len(stored) < total

    process = _follow(settings, path)
    _wait_for(lambda: _count(settings) == total, process, timeout=30)
    _append(path, "".join(more := _calls(2000, 5)))
    _wait_for(lambda: _count(settings) == total + len(_ids(more)), process, timeout=30)
    process.send_signal(signal.SIGTERM)
    output = process.communicate(timeout=30)[0]
    assert process.returncode == 0, output
    assert f"following {path} from byte {offset}" in output
    remaining = len(lines) - len(before) + len(more)
    stored_now = total + len(_ids(more)) - len(stored)
    assert f"{remaining} records read: {stored_now} events stored, 0 duplicates skipped" in output
