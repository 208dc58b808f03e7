"""Read a connector's stored position; build the checkpoint the writer commits with events."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.connectors.models import ConnectorOffset
from dozor.db import upsert
from dozor.events.writer import Checkpoint


@dataclass(frozen=True)
class Position:
    identity: str
    offset: int


async def read(session: AsyncSession, *, source: str) -> Position | None:
    row = (
        await session.execute(
            select(ConnectorOffset.identity, ConnectorOffset.offset).where(
                ConnectorOffset.source == source
            )
        )
    ).first()
    return None if row is None else Position(identity=row.identity, offset=row.offset)


def checkpoint(*, source: str, position: Position, at: datetime) -> Checkpoint:
    """Store ``position`` for ``source``: handed to ``Writer.submit`` with the events before it."""

    async def save(session: AsyncSession) -> None:
        statement = upsert(
            ConnectorOffset.__table__,
            session.get_bind().dialect.name,
            key=["source"],
            update=["identity", "offset", "updated_at"],
        )
        await session.execute(
            statement,
            {
                "source": source,
                "identity": position.identity,
                "offset": position.offset,
                "updated_at": at,
            },
        )

    return save
