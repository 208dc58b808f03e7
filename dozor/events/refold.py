"""Rebuild the projections from the event log: every conversation and every operator's status
folded again from its stored events, with today's fold.

For an upgrade whose migration added folded columns (rows folded before it lack them), or after
a fix to the fold. Run it with the server stopped: the server's writer would otherwise fold new
events into rows this is rewriting. Each chunk is its own transaction, so an interrupted run
leaves every row either as it was or refolded, and can simply be run again.
"""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations.models import Conversation
from dozor.events import ingest
from dozor.events.models import StoredEvent
from dozor.operators import service as operators_service
from dozor.operators import state as operator_state

CHUNK = 500


async def refold(
    write_sessions: async_sessionmaker[AsyncSession],
    *,
    progress: Callable[[int], None] = lambda _done: None,
) -> tuple[int, int]:
    """Refold every conversation, then every operator with status events; return the counts.
    ``progress`` hears how many conversations are done after each chunk."""
    conversations, after = 0, ""
    while True:
        async with write_sessions() as session, session.begin():
            ids = list(
                await session.scalars(
                    select(Conversation.id)
                    .where(Conversation.id > after)
                    .order_by(Conversation.id)
                    .limit(CHUNK)
                )
            )
            if not ids:
                break
            await ingest.save_conversations(session, stored=await ingest.refold(session, ids))
        conversations, after = conversations + len(ids), ids[-1]
        progress(conversations)
    async with write_sessions() as session, session.begin():
        operators = await _refold_operators(session)
    return conversations, operators


async def _refold_operators(session: AsyncSession) -> int:
    ids = list(
        await session.scalars(
            select(StoredEvent.operator_id)
            .where(StoredEvent.type == "operator.status", StoredEvent.operator_id.is_not(None))
            .distinct()
        )
    )
    rows = []
    for operator_id in ids:
        state = operator_state.StatusState()
        for event in await ingest.stored_status_events(session, operator_id):
            state = operator_state.apply(state, event)
        rows.append({"b_id": operator_id, **ingest.operator_columns(state)})
    if rows:
        await operators_service.save_states(session, rows)
    return len(rows)
