"""Arrival order never matters: shuffled batches with duplicates give the in-order projection."""

import asyncio
import random
import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from dozor.clock import ManualClock
from dozor.config import Settings
from dozor.conversations import service as conversations_service
from dozor.conversations import state
from dozor.conversations.models import Conversation
from dozor.db import create_engine, sessionmaker
from dozor.events import contract as c
from dozor.events.writer import Writer
from dozor.operators import state as operator_state
from dozor.operators.models import Operator
from tests.factories import T0, Script

STEPS = st.sampled_from(
    [
        "client",
        "client",
        "operator",
        "operator",
        "bot",
        "accept",
        "queue",
        "offer",
        "decline",
        "transfer_group",
        "transfer_operator",
        "hold",
        "unhold",
        "closing",
        "rate",
        "review",
        "pin",
        "update",
    ]
)


@st.composite
def conversations(draw: st.DrawFn) -> list[c.Event]:
    """A plausible conversation: opened, a random run of steps with ties in time, often closed."""
    script = Script(f"c-{uuid.uuid4().hex[:10]}")
    medium = draw(st.sampled_from(["chat", "call", "email"]))
    gaps = iter(draw(st.lists(st.sampled_from([0, 0, 1, 2, 5, 30, 90]), min_size=40, max_size=40)))
    t = 0.0
    script.at(
        t,
        "conversation.opened",
        channel_id=f"ch-{medium}",
        medium=medium,
        direction=draw(st.sampled_from(["inbound", "outbound"])),
        group_id=draw(st.sampled_from([None, "support"])),
    )
    operator = draw(st.sampled_from(["bob", "eve"]))
    for step in draw(st.lists(STEPS, max_size=25)):
        t += next(gaps)
        _step(script, step, t, operator)
    if draw(st.booleans()):
        t += next(gaps)
        script.at(
            t,
            "conversation.closed",
            by=draw(st.sampled_from(["operator", "client", "system"])),
            spam=draw(st.booleans()),
        )
        if medium == "call" and draw(st.booleans()):
            script.at(t + next(gaps), "conversation.wrapup_done", operator_id=operator)
    return script.events


def _step(script: Script, step: str, t: float, operator: str) -> None:
    match step:
        case "client" | "bot":
            script.message(t, step, text="…")
        case "operator":
            script.message(t, "operator", operator_id=operator, text="…")
        case "accept":
            script.at(t, "conversation.accepted", operator_id=operator)
        case "queue":
            script.at(t, "conversation.queued", group_id="sales")
        case "offer":
            script.at(t, "conversation.offered", operator_id=operator)
        case "decline":
            script.at(t, "conversation.declined", operator_id=operator)
        case "transfer_group":
            script.at(t, "conversation.transferred", to_group_id="vip", actor="alice")
        case "transfer_operator":
            script.at(t, "conversation.transferred", to_operator_id="eve")
        case "hold" | "unhold":
            script.at(t, "conversation.hold", on=step == "hold")
        case "closing":
            script.at(t, "conversation.closing")
        case "rate":
            script.at(t, "conversation.rated", score=4)
        case "review":
            script.at(t, "conversation.reviewed", rating=2, comment="!", actor="alice")
        case "pin":
            script.at(t, "conversation.pinned", operator_id=operator)
        case "update":
            script.at(t, "conversation.updated", topic="billing", client={"name": "Ив"})


@st.composite
def statuses(draw: st.DrawFn) -> list[c.Event]:
    operator = f"op-{uuid.uuid4().hex[:8]}"
    times = draw(st.lists(st.integers(0, 20), min_size=1, max_size=12))
    values = draw(
        st.lists(
            st.sampled_from(["online", "away", "offline"]), min_size=len(times), max_size=len(times)
        )
    )
    return [
        c.event_adapter.validate_python(
            {
                "id": f"{operator}-{n}",
                "type": "operator.status",
                "ts": T0 + timedelta(seconds=ts),
                "operator_id": operator,
                "status": value,
            },
            strict=False,
        )
        for n, (ts, value) in enumerate(zip(times, values, strict=True))
    ]


def _deliveries(events: list[c.Event], rng: random.Random) -> list[list[c.Event]]:
    """The events shuffled, some sent twice, cut into batches of random sizes."""
    sent = events + rng.sample(events, k=rng.randint(0, len(events)))
    rng.shuffle(sent)
    batches = []
    while sent:
        size = rng.randint(1, 6)
        batches.append(sent[:size])
        sent = sent[size:]
    return batches


async def _ingest_and_read(
    db: Settings, batches: list[list[c.Event]], ids: list[str], operator_ids: list[str]
):  # type: ignore[no-untyped-def]
    engine = create_engine(db)
    sessions = sessionmaker(engine)
    # small groups, so that on PostgreSQL the writer's tasks store them side by side
    writer = Writer(sessions, ManualClock(T0), max_events=6, concurrency=db.writers)
    writer.start()
    try:
        await asyncio.gather(*(writer.submit(batch) for batch in batches))
        async with sessions() as session:
            rows = (
                await session.scalars(select(Conversation).where(Conversation.id.in_(ids)))
            ).all()
            operators = (
                await session.scalars(select(Operator).where(Operator.id.in_(operator_ids)))
            ).all()
    finally:
        await writer.stop()
        await engine.dispose()
    return rows, operators


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    many=st.lists(conversations(), min_size=1, max_size=4),
    operators=st.lists(statuses(), max_size=2),
    seed=st.integers(0, 2**32),
)
def test_projection_ignores_arrival_order_and_duplicates(
    settings: Settings, many: list[list[c.Event]], operators: list[list[c.Event]], seed: int
) -> None:
    rng = random.Random(seed)
    everything = [e for events in many + operators for e in events]
    ids = [events[0].conversation_id for events in many]  # type: ignore[union-attr]
    operator_ids = [events[0].operator_id for events in operators]  # type: ignore[union-attr]
    rows, stored_operators = asyncio.run(
        _ingest_and_read(settings, _deliveries(everything, rng), ids, operator_ids)
    )
    expected = {events[0].conversation_id: state.fold(events) for events in many}  # type: ignore[union-attr]
    assert {row.id: conversations_service.state_of(row) for row in rows} == expected
    for events, row in zip(
        operators, sorted(stored_operators, key=lambda o: operator_ids.index(o.id)), strict=True
    ):
        folded = operator_state.fold(events)  # type: ignore[arg-type]
        assert (row.status, row.status_since) == (folded.status, folded.status_since)
