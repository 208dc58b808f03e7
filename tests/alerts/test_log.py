"""The alert log's queries: filters, visibility, keyset pages, days in the center's zone."""

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.alerts import log
from dozor.alerts.models import AlertRule
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup
from tests.alerts.logrows import fired
from tests.factories import T0

MOSCOW = ZoneInfo("Europe/Moscow")


async def _seed(session: AsyncSession) -> dict[str, int]:
    session.add_all(
        [
            Group(id="support", name="Поддержка"),
            Group(id="sales", name="Продажи"),
            Operator(id="op-bob", name="Борис"),
            Operator(id="op-sal", name="Салли"),
        ]
    )
    await session.flush()
    session.add_all(
        [
            OperatorGroup(operator_id="op-bob", group_id="support"),
            OperatorGroup(operator_id="op-sal", group_id="sales"),
        ]
    )
    mail = {"status": "sent", "attempts": 1}
    return {
        "support_yellow": await fired(session, minutes=0, deliveries=(mail,)),
        "support_red": await fired(session, minutes=1, kind="red", zone_from="yellow"),
        "sales_red": await fired(session, minutes=2, kind="red", scope_id="sales", rule_id=None),
        "bob_lost": await fired(
            session, minutes=3, indicator="lost", scope="operator", scope_id="op-bob"
        ),
        "sal_lost": await fired(
            session, minutes=4, indicator="lost", scope="operator", scope_id="op-sal"
        ),
        "company": await fired(session, minutes=5, kind="repeat", scope="all", scope_id=""),
        "recovered": await fired(session, minutes=6, kind="recovered", zone_from="red"),
        # 21:30 UTC on the 2nd is 00:30 on the 3rd in Moscow
        "next_day": await fired(session, minutes=12 * 60 + 30, kind="red"),
    }


async def _ids(
    sessions: async_sessionmaker[AsyncSession],
    groups: frozenset[str] | None = None,
    **filters: object,
) -> list[int]:
    async with sessions() as session:
        found = await log.page(
            session, query=log.LogQuery.model_validate(filters), groups=groups, zone=MOSCOW
        )
    return [e.log.id for e in found.entries]


@pytest.fixture
async def ids(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session, session.begin():
        return await _seed(session)


async def test_newest_first_with_the_deliveries_and_scope_names(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int]
) -> None:
    assert await _ids(sessions) == sorted(ids.values(), reverse=True)
    async with sessions() as session:
        found = await log.page(session, query=log.LogQuery(), groups=None, zone=MOSCOW)
    by_id = {e.log.id: e for e in found.entries}
    first = by_id[ids["support_yellow"]]
    assert first.scope_name == "Поддержка"
    assert [(d.channel, d.target, d.status, d.attempts) for d in first.deliveries] == [
        ("email", "alice@example.com", "sent", 1)
    ]
    assert by_id[ids["bob_lost"]].scope_name == "Борис"
    assert by_id[ids["company"]].scope_name == ""
    assert by_id[ids["support_red"]].deliveries == []


async def test_a_supervisor_sees_their_groups_and_their_operators_never_the_company(
    sessions: async_sessionmaker[AsyncSession], ids: dict[str, int]
) -> None:
    mine = await _ids(sessions, frozenset({"support"}))
    assert mine == [
        ids["next_day"],
        ids["recovered"],
        ids["bob_lost"],
        ids["support_red"],
        ids["support_yellow"],
    ]
    assert await _ids(sessions, frozenset({"sales"})) == [ids["sal_lost"], ids["sales_red"]]
    assert await _ids(sessions, frozenset()) == []


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": ["red"]}, ["next_day", "sales_red", "support_red"]),
        ({"kind": ["repeat", "recovered"]}, ["recovered", "company"]),
        ({"zone": "ok"}, ["recovered"]),
        ({"indicator": "lost"}, ["sal_lost", "bob_lost"]),
        ({"scope": "operator"}, ["sal_lost", "bob_lost"]),
        ({"scope": "group", "scope_id": "sales"}, ["sales_red"]),
        ({"scope": "all"}, ["company"]),
        ({"to": "2026-03-02", "kind": ["red"]}, ["sales_red", "support_red"]),
        ({"from": "2026-03-03"}, ["next_day"]),
        ({"from": "2026-03-02", "to": "2026-03-02", "scope_id": "op-bob"}, ["bob_lost"]),
    ],
)
async def test_filters_pick_the_right_rows(
    sessions: async_sessionmaker[AsyncSession],
    ids: dict[str, int],
    filters: dict[str, object],
    expected: list[str],
) -> None:
    assert await _ids(sessions, **filters) == [ids[name] for name in expected]


async def test_a_rule_filter_takes_its_rows_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        rule = AlertRule(
            name="r",
            indicator="lost",
            scope="all",
            scope_ids=[],
            window="5m",
            worse="higher",
            yellow=1,
            red=2,
            created_at=T0,
            updated_at=T0,
        )
        session.add(rule)
        await session.flush()
        own = await fired(session, rule_id=rule.id, scope="all", scope_id="")
        await fired(session, scope="all", scope_id="")
    assert await _ids(sessions, rule=rule.id) == [own]


async def test_keyset_pages_neither_repeat_nor_skip(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        # two rows share each moment: the id breaks the tie
        made = [await fired(session, minutes=n // 2) for n in range(7)]
    seen, cursor = [], None
    for _ in range(4):
        async with sessions() as session:
            query = log.LogQuery(limit=3, cursor=cursor)
            found = await log.page(session, query=query, groups=None, zone=MOSCOW)
        seen += [e.log.id for e in found.entries]
        cursor = found.next_cursor
        if cursor is None:
            break
    assert seen == made[::-1]


async def test_a_foreign_cursor_is_refused() -> None:
    with pytest.raises(log.CursorError):
        log.decode_cursor("not-ours")
    with pytest.raises(log.CursorError):
        log.decode_cursor("MjAyNi0wMy0wMlQwOTowMDowMHw")  # "2026-03-02T09:00:00|": no id
