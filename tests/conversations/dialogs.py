"""Small builders for the dialog list's tests: conversations in a few lines each."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import filters, listing
from dozor.conversations.access import Scope
from dozor.events.writer import Writer
from dozor.live.targets import SlaRules
from tests.factories import T0, Script

ALL = Scope(actor="tests", everything=True)
MOSCOW = ZoneInfo("Europe/Moscow")
DEFAULTS = SlaRules()  # DESIGN.md's targets, no business hours


def chat(
    cid: str,
    *,
    at: float = 0,
    group: str = "support",
    operator: str | None = None,
    client: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    text: str | None = None,
    answer_after: float | None = None,
    closed_after: float | None = None,
    spam: bool = False,
    medium: str = "chat",
) -> Script:
    """A chat opened at ``at`` s in ``group``; the client writes ``text``; ``operator`` takes it
    and answers ``answer_after`` s later; closed ``closed_after`` s after opening."""
    script = Script(cid)
    fields = (("name", client), ("phone", phone), ("email", email))
    client_fields = {k: v for k, v in fields if v}
    script.at(
        at,
        "conversation.opened",
        channel_id=f"web-{medium}",
        medium=medium,
        direction="inbound",
        group_id=group,
        client=client_fields or None,
    )
    script.message(at + 1, "client", text=text or "Здравствуйте")
    if operator is not None:
        script.at(at + 2, "conversation.accepted", operator_id=operator)
        if answer_after is not None:
            script.message(at + 1 + answer_after, "operator", operator_id=operator, text="Да")
    if closed_after is not None:
        by = "operator" if operator else "system"
        script.at(at + closed_after, "conversation.closed", by=by, spam=spam, operator_id=operator)
    return script


async def store(writer: Writer, *scripts: Script) -> None:
    await writer.submit([event for script in scripts for event in script.events])


async def ids(
    sessions: async_sessionmaker[AsyncSession],
    *,
    now: datetime = T0,
    scope: Scope = ALL,
    sort: listing.Sort = listing.Sort(),
    limit: int = 50,
    sla: SlaRules = DEFAULTS,
    **query: Any,
) -> list[str]:
    """The ids of the first page of the list filtered by ``query`` (a form's fields)."""
    items = [(k, str(v)) for k, vs in query.items() for v in (vs if isinstance(vs, list) else [vs])]
    async with sessions() as session:
        page = await listing.page(
            session,
            dialog_filter=filters.from_query(items),
            scope=scope,
            now=now,
            zone=MOSCOW,
            sla=sla,
            sort=sort,
            limit=limit,
        )
    return [row.id for row in page.rows]


async def every_page(
    sessions: async_sessionmaker[AsyncSession],
    *,
    sort: listing.Sort,
    limit: int,
    between: Any = None,
    now: datetime = T0,
) -> list[str]:
    """Every id, page after page by cursor; ``between(n)`` runs after page n."""
    found: list[str] = []
    cursor, number = None, 0
    while True:
        async with sessions() as session:
            page = await listing.page(
                session,
                dialog_filter=filters.DialogFilter(),
                scope=ALL,
                now=now,
                zone=MOSCOW,
                sla=DEFAULTS,
                sort=sort,
                cursor=cursor,
                limit=limit,
            )
        found += [row.id for row in page.rows]
        number += 1
        if between is not None:
            await between(number)
        if page.next_cursor is None:
            return found
        cursor = page.next_cursor
