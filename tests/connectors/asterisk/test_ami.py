"""The AMI connector against a fake Asterisk on loopback replaying recorded sessions: live
events, a dropped connection, reconnection with backoff and the QueueStatus resync."""

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.cli import main
from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.connectors.asterisk.ami import AmiClient
from dozor.connectors.asterisk.ami_mapping import AmiMapper, OpenCall
from dozor.connectors.asterisk.ami_protocol import AuthenticationFailed, backoff, encode, parse
from dozor.conversations.models import Conversation
from dozor.events.writer import Writer
from dozor.operators.models import Operator
from tests.connectors.asterisk.ami_server import FakeAsterisk
from tests.connectors.asterisk.helpers import DATA, EPOCH, at, env

RECORDINGS = [
    (DATA / "ami_queuestatus_1.txt", DATA / "ami_session_1.txt"),
    (DATA / "ami_queuestatus_2.txt", DATA / "ami_session_2.txt"),
]


def _second(moment: datetime | None) -> datetime | None:
    """Recorded timestamps carry microseconds; the expectations are in whole seconds."""
    return None if moment is None else moment.replace(microsecond=0)


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def test_messages_on_the_wire() -> None:
    # a value may hold colons; the first of a repeated key wins
    assert parse(["Event: VarSet", "Value: a: b", "Value: c", "no colon"]) == {
        "Event": "VarSet",
        "Value": "a: b",
    }
    assert encode({"Action": "Login", "Username": "dozor"}) == (
        b"Action: Login\r\nUsername: dozor\r\n\r\n"
    )


def test_backoff_doubles_up_to_its_ceiling() -> None:
    delays = backoff(1, 60)
    assert [next(delays) for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_leave_nothing_explains_closes_the_call_after_the_grace() -> None:
    mapper = AmiMapper("pbx", grace=2)
    now = at(0)

    def event(kind: str, uid: str, **fields: str) -> list:  # type: ignore[type-arg]
        message = {"Event": kind, "Queue": "support", "Uniqueid": uid, **fields}
        return mapper.event(message, now=now, monotonic=clock)

    clock = 100.0
    event("QueueCallerJoin", "1.1", CallerIDNum="74951234567")
    assert event("QueueCallerLeave", "1.1") == []
    assert mapper.expired(monotonic=101.9) == []
    [closed] = mapper.expired(monotonic=102.0)
    assert (closed.type, closed.by, closed.reason, closed.ts) == (
        "conversation.closed",
        "client",
        "left the queue",
        now,
    )
    # answered: the leave comes just before the connect, and is then no loss
    event("QueueCallerLeave", "1.2")
    connect = event("AgentConnect", "1.2", MemberName="olga", RingTime="5", HoldTime="9")
    assert [e.type for e in connect] == ["conversation.offered", "conversation.accepted"]
    assert (now - connect[0].ts).total_seconds() == 5  # RingTime in seconds here
    rna = event("AgentRingNoAnswer", "1.2", MemberName="PJSIP/101", RingTime="15000")
    assert (now - rna[0].ts).total_seconds() == 15  # and in milliseconds here
    # abandoned: closed at once, and its leave is ignored
    [abandon] = event("QueueCallerAbandon", "1.3", HoldTime="35")
    assert (abandon.by, abandon.reason) == ("client", "abandon")
    event("QueueCallerLeave", "1.3")
    assert mapper.expired(monotonic=1000) == []


def test_member_statuses_are_sent_only_when_they_change() -> None:
    mapper = AmiMapper("pbx")
    member = {"Queue": "support", "MemberName": "olga", "Interface": "PJSIP/102", "Paused": "0"}

    def event(kind: str, **fields: str) -> list[tuple[str, str | None]]:
        message = {"Event": kind, **member, **fields}
        return [(e.status, e.reason) for e in mapper.event(message, now=at(0), monotonic=0)]

    assert event("QueueMemberAdded", Status="1") == [("online", None)]
    assert event("QueueMemberAdded", Queue="sales", Status="1") == []
    assert event("QueueMemberStatus", Status="2", InCall="1") == []
    assert event("QueueMemberPause", Paused="1", PausedReason="Обед") == [("away", "Обед")]
    assert event("QueueMemberPause", Paused="0") == [("online", None)]
    assert event("QueueMemberStatus", Status="5") == [("offline", None)]
    assert event("QueueMemberStatus", Status="1") == [("online", None)]
    assert event("QueueMemberRemoved") == []  # still a member of sales
    assert event("QueueMemberRemoved", Queue="sales") == [("offline", None)]


def test_resync_closes_what_ended_unseen_and_adds_who_waits() -> None:
    mapper = AmiMapper("pbx")
    now = at(1000)
    members = [
        {"Queue": "support", "Name": "PJSIP/101", "Location": "PJSIP/101", "Status": "1"},
        {"Queue": "support", "Name": "olga", "Location": "PJSIP/102", "Status": "2", "InCall": "1"},
    ]
    entries = [{"Queue": "support", "Uniqueid": "9.1", "Wait": "30", "CallerIDNum": "7495"}]
    calls = [
        OpenCall("pbx-5.1@support", accepted=True, operator_id="101"),
        OpenCall("pbx-6.1@support", accepted=True, operator_id="olga"),
        OpenCall("pbx-7.1@support", accepted=False, operator_id=None),
    ]
    events = mapper.resync(members, entries, calls, now)
    brief = [(e.type, getattr(e, "conversation_id", None) or e.operator_id, e.ts) for e in events]
    assert brief == [
        ("operator.status", "101", now),
        ("operator.status", "olga", now),
        ("conversation.opened", "pbx-9.1@support", at(970)),
        ("conversation.queued", "pbx-9.1@support", at(970)),
        ("conversation.closed", "pbx-5.1@support", now),  # 101 is in no call any more
        ("conversation.closed", "pbx-7.1@support", now),  # no longer waiting
    ]


async def test_live_events_a_dropped_connection_and_the_resync(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    clock = ManualClock(at(250))
    connected_at = [at(250), at(1000)]  # the PBX restarts between 790 and 1000

    def on_connect(number: int) -> None:
        clock.current = connected_at[min(number, 1)]

    async def read(model):  # type: ignore[no-untyped-def]
        async with sessions() as session:
            return {row.id: row for row in (await session.scalars(select(model))).all()}

    async def settled() -> bool:
        people = await read(Operator)
        calls = await read(Conversation)
        last = calls.get(f"asterisk-{EPOCH}.51@support")
        return (
            "101" in people and people["101"].status == "offline" and bool(last and last.closed_at)
        )

    async with FakeAsterisk(RECORDINGS, on_connect=on_connect) as pbx:
        client = AmiClient(
            "127.0.0.1",
            pbx.port,
            "dozor",
            "s3cret",
            writer,
            sessions,
            clock,
            grace=0.1,
            backoff_start=0.05,
            backoff_max=0.2,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(client.run(stop))
        await _until(settled)
        stop.set()
        await task
    assert pbx.connections == 2 == client.connections
    assert [a["Action"] for a in pbx.actions] == ["Login", "QueueStatus"] * 2
    assert pbx.actions[0]["Events"] == "agent"

    calls = await read(Conversation)
    expected = {
        # uniqueid: queue, operator, queued, accepted, closed, closed by, reason
        11: ("support", "olga", 300, 322, 502, "client", None),
        21: ("support", None, 400, None, 435, "client", "abandon"),
        31: ("sales", None, 450, None, 462, "client", "left the queue"),
        41: ("support", "101", 700, 705, 1000, "system", "ended while Dozor was disconnected"),
        51: ("support", "103", 790, 1005, 1100, "operator", None),
        61: ("support", None, 970, None, None, None, None),
    }
    assert len(calls) == len(expected)
    for uid, (queue, operator, queued, accepted, closed, by, reason) in expected.items():
        row = calls[f"asterisk-{EPOCH}.{uid}@{queue}"]
        assert (row.group_id, row.operator_id, row.closed_by, row.close_reason) == (
            queue,
            operator,
            by,
            reason,
        ), uid
        moments = (_second(row.queued_at), _second(row.accepted_at), _second(row.closed_at))
        assert moments == tuple(None if s is None else at(s) for s in (queued, accepted, closed))
    assert calls[f"asterisk-{EPOCH}.11@support"].client_phone == "74951234567"

    people = await read(Operator)
    assert {
        key: (o.status, o.status_reason, _second(o.status_since)) for key, o in people.items()
    } == {
        "101": ("offline", None, at(1200)),
        "olga": ("away", "Обед", at(600)),
        "103": ("online", None, at(1000)),
    }


async def test_a_refused_login_stops_the_client(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    async with FakeAsterisk(RECORDINGS, secret="other") as pbx:
        client = AmiClient(
            "127.0.0.1", pbx.port, "dozor", "s3cret", writer, sessions, ManualClock(at(0))
        )
        with pytest.raises(AuthenticationFailed, match="Authentication failed"):
            await client.run(asyncio.Event())


def test_the_command_reports_a_refused_login(settings: Settings) -> None:
    ready, done = threading.Event(), threading.Event()
    port: list[int] = []

    async def serve() -> None:
        async with FakeAsterisk(RECORDINGS, secret="other") as pbx:
            port.append(pbx.port)
            ready.set()
            while not done.is_set():
                await asyncio.sleep(0.02)

    thread = threading.Thread(target=asyncio.run, args=(serve(),))
    thread.start()
    try:
        ready.wait(10)
        result = CliRunner().invoke(
            main,
            ["asterisk", "ami", "--port", str(port[0]), "--username", "dozor"],
            env={**env(settings), "DOZOR_AMI_SECRET": "s3cret"},
        )
    finally:
        done.set()
        thread.join()
    assert result.exit_code == 1
    assert "the PBX refused the login: Authentication failed" in result.output
