"""Group commit: batches stored together get the outcomes they would get one after another."""

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.events import contract as c
from dozor.events.ingest import Rejected, StoreResult, store_batches
from tests.factories import T0, Script, status


def _batches() -> list[list[c.Event]]:
    rejected = (
        Script("ca")
        .at(0, "conversation.opened", channel_id="x", medium="chat", direction="inbound")
        .events
    )
    rejected += (
        Script("cb").at(0, "conversation.opened", channel_id="y", direction="inbound").events
    )  # y: medium unknown
    relies_on_rejected = (
        Script("cc").at(0, "conversation.opened", channel_id="x", direction="inbound").events
    )
    names_z = (
        Script("cd")
        .at(0, "conversation.opened", channel_id="z", medium="call", direction="inbound")
        .message(1, "client")
        .events
    )
    repeats_and_uses_z = [names_z[1]] + Script("ce").at(
        2, "conversation.opened", channel_id="z", direction="inbound"
    ).events
    statuses = [status("bob", 0, "online", 1), status("bob", 0, "online", 1)]
    return [rejected, relies_on_rejected, names_z, repeats_and_uses_z, statuses]


def _summary(outcome: StoreResult | Rejected) -> tuple:
    if isinstance(outcome, Rejected):
        return ("rejected", [e["index"] for e in outcome.errors])
    return (outcome.accepted, outcome.duplicates, outcome.conversation_ids, outcome.operator_ids)


async def _stored(sessions: async_sessionmaker[AsyncSession]) -> tuple:
    async with sessions() as session:
        events = (await session.execute(text("SELECT id FROM events ORDER BY id"))).all()
        channels = (await session.execute(text("SELECT id, medium FROM channels"))).all()
        conversations = (
            await session.execute(text("SELECT id, medium FROM conversations ORDER BY id"))
        ).all()
    return (
        [tuple(r) for r in events],
        [tuple(r) for r in channels],
        [tuple(r) for r in conversations],
    )


async def test_a_group_stores_what_its_batches_would_store_one_by_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        outcomes = await store_batches(session, _batches(), received_at=T0)
    assert [_summary(o) for o in outcomes] == [
        ("rejected", [1]),
        ("rejected", [0]),  # channel x was named only by the rejected batch
        (2, 0, {"cd"}, set()),
        (1, 1, {"ce"}, set()),  # z is known from the batch before
        (1, 1, set(), {"bob"}),
    ]
    assert await _stored(sessions) == (
        sorted([("cd-0",), ("cd-1",), ("ce-0",), ("bob-status-1",)]),
        [("z", "call")],
        [("cd", "call"), ("ce", "call")],
    )
