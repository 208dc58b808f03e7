"""A connector's position is committed by the writer with the events before it, or not at all."""

import pytest
from click import Group
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.connectors import load, offsets
from dozor.events import contract as c
from dozor.events.ingest import Rejected
from dozor.events.writer import Writer
from tests.factories import T0, status


async def _position(sessions: async_sessionmaker[AsyncSession]) -> offsets.Position | None:
    async with sessions() as session:
        return await offsets.read(session, source="test-source")


def _at(identity: str, offset: int):  # type: ignore[no-untyped-def]
    return offsets.checkpoint(
        source="test-source", position=offsets.Position(identity, offset), at=T0
    )


async def test_a_checkpoint_is_committed_with_its_batch_or_not_at_all(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = status("anna", 0, "online", 1)
    result = await writer.submit([first], checkpoint=_at("file-a", 100))
    assert result.accepted == 1
    assert await _position(sessions) == offsets.Position("file-a", 100)

    unknown_channel = c.event_adapter.validate_python(
        {
            "id": "bad-1",
            "type": "conversation.opened",
            "ts": T0,
            "conversation_id": "x",
            "channel_id": "never-seen",
            "direction": "inbound",
        }
    )
    with pytest.raises(Rejected):
        await writer.submit([unknown_channel], checkpoint=_at("file-a", 200))
    assert await _position(sessions) == offsets.Position("file-a", 100)

    # lines that made only duplicates, or no event at all, still move the position
    again = await writer.submit([first], checkpoint=_at("file-a", 300))
    assert (again.accepted, again.duplicates) == (0, 1)
    assert await _position(sessions) == offsets.Position("file-a", 300)
    await writer.submit([], checkpoint=_at("file-b", 7))
    assert await _position(sessions) == offsets.Position("file-b", 7)


def test_connectors_are_loaded_by_name() -> None:
    group = load("asterisk")
    assert isinstance(group, Group)
    assert {"import-queue-log", "follow-queue-log", "ami", "import-cdr"} <= set(group.commands)
    with pytest.raises(ModuleNotFoundError):
        load("fax")
