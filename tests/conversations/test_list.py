"""The dialog list on both databases: filters, search, sort, keyset pages and the summary."""

from datetime import timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import filters, listing, service
from dozor.conversations.access import Scope
from dozor.events.writer import Writer
from dozor.operators.models import Operator
from tests.conversations.dialogs import ALL, DEFAULTS, MOSCOW, chat, every_page, ids, store
from tests.factories import T0

Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def center(writer: Writer) -> None:
    """Five chats and a call: new, taken, answered, closed, spam."""
    await store(
        writer,
        chat("new", at=0, client="Анна Петрова", phone="+7 999 000-11-22"),
        chat("taken", at=10, group="sales", operator="olga", client="Борис"),
        chat(
            "answered",
            at=20,
            operator="anna",
            answer_after=30,
            client="Вера",
            text="Где мой заказ 5521?",
        ),
        chat("closed", at=30, operator="anna", answer_after=5, closed_after=60, client="Глеб"),
        chat("spam", at=40, closed_after=3, spam=True, client="<b>bot</b>"),
        chat("call", at=50, group="sales", operator="olga", answer_after=1, medium="call"),
    )


async def test_the_newest_come_first_by_default(sessions: Sessions, center: None) -> None:
    assert await ids(sessions) == ["call", "spam", "closed", "answered", "taken", "new"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"operator": "olga"}, {"taken", "call"}),
        ({"operator": ["olga", "anna"]}, {"taken", "call", "answered", "closed"}),
        ({"group": "sales"}, {"taken", "call"}),
        ({"medium": "call"}, {"call"}),
        ({"status": "closed"}, {"closed", "spam"}),
        ({"detailed_status": "spam"}, {"spam"}),
        ({"detailed_status": ["queued", "in_work"]}, {"new", "taken"}),
        ({"work_state": "unanswered"}, {"taken"}),
        ({"active": "true"}, {"new", "taken", "answered", "call"}),
        ({"active": "false"}, {"closed", "spam"}),
        ({"spam": "true"}, {"spam"}),
        ({"client_name": "анна"}, {"new"}),  # case folded, Cyrillic included
        ({"client_phone": "000-11"}, {"new"}),
        ({"q": "ЗАКАЗ 5521"}, {"answered"}),  # a message's text
        ({"q": "петрова"}, {"new"}),
        ({"q": "3"}, {"answered"}),  # the number
        ({"q": "%"}, set()),  # a wildcard typed is a character
        ({"closed_at_from": "2026-03-02T12:01:00"}, {"closed"}),  # 09:01 UTC on Moscow's clock
        ({"created_at_to": "2026-03-02T09:00:20+00:00"}, {"new", "taken"}),
        ({"wait_first_answer_min": 25}, {"answered"}),
        ({"wait_first_answer_max": 10}, {"closed", "call"}),
        ({"group": "sales", "operator": "anna"}, set()),
    ],
)
async def test_filters_select_the_conversations_asked_for(
    sessions: Sessions, center: None, query: dict, expected: set[str]
) -> None:
    assert set(await ids(sessions, **query)) == expected


async def test_overdue_follows_the_clock_without_events(sessions: Sessions, center: None) -> None:
    # "new" sits in the queue from 0 s; a chat must be taken within 60 s
    assert "new" not in await ids(sessions, now=T0 + timedelta(seconds=59), overdue="true")
    late = await ids(sessions, now=T0 + timedelta(seconds=61), overdue="true")
    assert "new" in late
    assert "closed" not in late and "spam" not in late
    on_time = await ids(sessions, now=T0 + timedelta(seconds=61), overdue="false")
    assert set(late) | set(on_time) == {"new", "taken", "answered", "closed", "spam", "call"}
    assert not set(late) & set(on_time)


@pytest.mark.parametrize(
    ("key", "descending", "expected"),
    [
        ("client_name", False, ["<b>bot</b>", "Анна Петрова", "Борис", "Вера", "Глеб", None]),
        ("client_name", True, ["Глеб", "Вера", "Борис", "Анна Петрова", "<b>bot</b>", None]),
        ("closed_at", True, ["closed", "spam", None, None, None, None]),
        ("wait_first_answer", False, ["call", "closed", "answered", None, None, None]),
    ],
)
async def test_a_click_on_a_header_sorts_and_empty_values_go_last(
    sessions: Sessions, center: None, key: str, descending: bool, expected: list
) -> None:
    async with sessions() as session:
        page = await listing.page(
            session,
            dialog_filter=filters.DialogFilter(),
            scope=ALL,
            now=T0,
            zone=MOSCOW,
            sla=DEFAULTS,
            sort=listing.Sort(key, descending),
        )
    if key == "client_name":
        got = [row.client_name for row in page.rows]
    else:
        got = [r.id if getattr(service.state_of(r), key) is not None else None for r in page.rows]
    assert got == expected


async def test_sorting_by_operator_uses_the_names(sessions: Sessions, center: None) -> None:
    async with sessions() as session, session.begin():
        for operator_id, name in (("olga", "Агата"), ("anna", "Яна")):
            operator = await session.get(Operator, operator_id)
            assert operator is not None
            operator.name = name
    order = await ids(sessions, sort=listing.Sort("operator_id", False))
    assert order == ["taken", "call", "answered", "closed", "new", "spam"]


@pytest.mark.parametrize(
    "sort",
    [
        listing.Sort(),
        listing.Sort("number", False),
        listing.Sort("created_at", False),
        listing.Sort("closed_at", True),
        listing.Sort("client_name", False),
        listing.Sort("wait_first_answer", True),
        listing.Sort("overdue", True),
        listing.Sort("operator_id", False),
    ],
)
async def test_keyset_pages_cover_everything_once(
    sessions: Sessions, center: None, sort: listing.Sort
) -> None:
    everything = await ids(sessions, sort=sort)
    assert await every_page(sessions, sort=sort, limit=2) == everything
    assert await every_page(sessions, sort=sort, limit=1) == everything


async def test_pages_stay_stable_while_conversations_arrive(
    writer: Writer, sessions: Sessions, center: None
) -> None:
    """New conversations between pages neither repeat nor push rows off the pages."""
    before = await ids(sessions)

    async def arrive(page: int) -> None:
        await store(writer, chat(f"late-{page}", at=100 + page))

    seen = await every_page(sessions, sort=listing.Sort(), limit=2, between=arrive)
    assert seen == before  # newest first: the arrivals come before the cursor


async def test_the_summary_counts_and_measures_the_filtered_set(
    sessions: Sessions, center: None
) -> None:
    async with sessions() as session:
        found = await listing.summary(
            session,
            dialog_filter=filters.from_query([("group", "support")]),
            scope=ALL,
            now=T0,
            zone=MOSCOW,
            sla=DEFAULTS,
        )
        rows = await listing.page(
            session,
            dialog_filter=filters.from_query([("group", "support")]),
            scope=ALL,
            now=T0,
            zone=MOSCOW,
            sla=DEFAULTS,
        )
    states = [service.state_of(row) for row in rows.rows]
    assert found["count"] == len(states) == 4
    for key in ("wait_first_answer", "time_to_accept", "duration", "first_message_response"):
        values = [getattr(s, key) for s in states if getattr(s, key) is not None]
        assert found[key]["avg"] == pytest.approx(sum(values) / len(values)), key
        assert found[key]["max"] == pytest.approx(max(values)), key
    assert found["bot_time"] == {"avg": None, "max": None}


async def test_a_supervisor_lists_only_the_groups_assigned(
    sessions: Sessions, center: None
) -> None:
    sales = Scope(actor="sam", groups=frozenset({"sales"}))
    assert set(await ids(sessions, scope=sales)) == {"taken", "call"}
    assert await ids(sessions, scope=Scope(actor="charlie")) == []


async def test_an_operator_lists_their_own_and_their_queues(
    sessions: Sessions, center: None
) -> None:
    olga = Scope(actor="o", operator_id="olga", queue_groups=frozenset({"support"}))
    # her two, and "new" waiting in support's queue; not anna's conversations in support
    assert set(await ids(sessions, scope=olga)) == {"taken", "call", "new"}
