"""The durations and overdue, defined twice (Python properties, SQL expressions), agree on both
databases."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import service
from dozor.conversations.columns import DURATION_SQL
from dozor.conversations.models import Conversation
from dozor.conversations.overdue import is_overdue, overdue_sql
from dozor.events.writer import Writer
from dozor.live.targets import SlaRules
from tests.factories import T0, Script

DEFAULTS = SlaRules()


def conversations() -> list[Script]:
    """Conversations that exercise every branch of every duration."""
    docs = (  # docs/metrics.md's worked example
        Script("docs")
        .at(0, "conversation.opened", channel_id="web", medium="chat", direction="inbound",
            group_id="support")
        .message(1, "bot")
        .message(2, "client")
        .at(30, "conversation.accepted", operator_id="anna")
        .message(40, "operator", operator_id="anna")
        .message(50, "client")
        .message(55, "client")
        .message(70, "operator", operator_id="anna")
        .at(100, "conversation.closed", by="operator", operator_id="anna")
    )  # fmt: skip
    call = (
        Script("call")
        .at(0, "conversation.opened", channel_id="tel", medium="call", direction="inbound")
        .at(12, "conversation.queued", group_id="sales")
        .at(35.25, "conversation.accepted", operator_id="olga")
        .at(335.5, "conversation.closed", by="client")
    )
    unanswered = (
        Script("unanswered")
        .at(0, "conversation.opened", channel_id="web", medium="chat", direction="inbound")
        .message(3.125, "client")
        .at(90, "conversation.closed", by="system")
    )
    bot_late = (  # the bot spoke only after the operator joined: no chatbot time
        Script("bot-late")
        .at(0, "conversation.opened", channel_id="web", medium="chat", direction="inbound")
        .message(1, "client")
        .at(5, "conversation.accepted", operator_id="anna")
        .message(6, "bot")
        .message(9.000001, "operator", operator_id="anna")
    )
    email = (
        Script("email")
        .at(0, "conversation.opened", channel_id="mail", medium="email", direction="inbound",
            group_id="support")
        .message(0, "client")
        .at(4200, "conversation.accepted", operator_id="anna")
        .message(4800, "operator", operator_id="anna")
    )  # fmt: skip
    opened_only = Script("opened-only").at(
        0, "conversation.opened", channel_id="web", medium="chat", direction="inbound"
    )
    return [docs, call, unanswered, bot_late, email, opened_only]


async def _store(writer: Writer) -> None:
    for script in conversations():
        await writer.submit(script.events)


async def test_sql_durations_agree_with_the_fold(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _store(writer)
    columns = [expression.label(f"sql_{key}") for key, expression in DURATION_SQL.items()]
    async with sessions() as session:
        rows = list(await session.execute(select(Conversation.__table__, *columns)))
    assert len(rows) == len(conversations())
    defined = set()
    for row in rows:
        state = service.state_of(row)
        for key in DURATION_SQL:
            expected, actual = getattr(state, key), getattr(row, f"sql_{key}")
            if expected is None:
                assert actual is None, (row.id, key)
            else:
                defined.add(key)
                assert actual == pytest.approx(expected, abs=1e-6), (row.id, key)
    assert defined == set(DURATION_SQL)  # every duration was measured somewhere


@pytest.mark.parametrize("later", [0, 19, 21, 59, 61, 119, 121, 1799, 1801, 4 * 3600 + 1])
async def test_sql_overdue_agrees_with_sla(
    writer: Writer, sessions: async_sessionmaker[AsyncSession], later: float
) -> None:
    await _store(writer)
    now = T0 + timedelta(seconds=later)
    async with sessions() as session:
        rows = list(
            await session.execute(
                select(Conversation.__table__, overdue_sql(now, DEFAULTS).label("late"))
            )
        )
    for row in rows:
        assert bool(row.late) == is_overdue(service.state_of(row), now, DEFAULTS), (row.id, later)
