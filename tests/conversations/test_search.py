"""Free text and "contains" of the dialog list on both databases, found from the indexes and
along the list alike; what a migrated install had stored and what arrives later are found."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from alembic import command
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.config import Settings
from dozor.conversations import filters, listing, search
from dozor.conversations.models import Conversation
from dozor.db import create_engine, sessionmaker, write_sessionmaker
from dozor.events import ingest
from dozor.migrate import alembic_config, upgrade
from tests.conftest import POSTGRES
from tests.conversations.dialogs import ALL, DEFAULTS, MOSCOW, chat, ids, store
from tests.factories import T0, Script

Sessions = async_sessionmaker[AsyncSession]
WAYS = ("from the index", "along the list")


@pytest.fixture
async def center(writer: Any) -> None:
    await store(
        writer,
        chat("order", at=0, client="Анна Петрова", phone="+7 916 123-45-67",
             text="Где мой заказ №48213507? Курьер не приехал"),
        chat("refund", at=10, client="Борис", email="boris.k@mail.example",
             text="Хочу оформить ВОЗВРАТ товара"),
        chat("percent", at=20, client="Вера", text="Скидка 100% на всё_сразу"),
        chat("latin", at=30, client="Olga", text="Hello, my Parcel is late"),
        chat("quiet", at=40, client="Глеб", text="Спасибо"),
    )  # fmt: skip


async def _found(sessions: Sessions, way: str, **query: str) -> set[str]:
    """The ids the filter selects, its texts found ``way``."""
    dialog_filter = filters.from_query(list(query.items()))
    frequent = frozenset(query) if way == "along the list" else frozenset()
    async with sessions() as session:
        dialect = session.get_bind().dialect.name
        where = filters.conditions(dialog_filter, now=T0, zone=MOSCOW, dialect=dialect,
                                   sla=DEFAULTS, frequent=frequent)  # fmt: skip
        rows = await session.scalars(select(Conversation.id).where(*where))
        return set(rows)


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("курьер", {"order"}),  # a word inside a message, typed in another case
        ("возврат", {"refund"}),  # Cyrillic capitals in the message
        ("parcel IS", {"latin"}),
        ("№48213507", {"order"}),
        ("4821350", {"order"}),
        ("петров", {"order"}),  # part of the client's name
        ("123-45", {"order"}),  # … phone
        ("boris.k@", {"refund"}),  # … e-mail
        ("курьерская", set()),
        ("возвраты", set()),
        ("parcels", set()),
        ("100% на", {"percent"}),
        ("всё_сра", {"percent"}),
        ("всё%сра", set()),  # % and _ typed are characters, not wildcards
        ("0%_", set()),
        ("Ан", {"order"}),  # two letters: the client's fields and the number only
        ("Ск", set()),  # … not the messages
        ("%", set()),
        ("3", {"percent", "order"}),  # the number, and a phone with the digit
    ],
)
async def test_free_text_finds_names_phones_emails_numbers_and_messages(
    sessions: Sessions, center: None, way: str, text: str, expected: set[str]
) -> None:
    assert await _found(sessions, way, q=text) == expected


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize(
    ("field", "text", "expected"),
    [
        ("client_name", "анна", {"order"}),
        ("client_name", "ПЕТРОВА", {"order"}),
        ("client_name", "OLGA", {"latin"}),
        ("client_name", "курьер", set()),  # a message's word is not a name
        ("client_phone", "916 123", {"order"}),
        ("client_phone", "16", {"order"}),
        ("client_email", "MAIL.EXAMPLE", {"refund"}),
        ("client_email", "b_ris", set()),
    ],
)
async def test_contains_looks_in_the_one_field(
    sessions: Sessions, center: None, way: str, field: str, text: str, expected: set[str]
) -> None:
    assert await _found(sessions, way, **{field: text}) == expected


async def test_the_probe_counts_the_newest_conversations_a_client_field_of_which_holds_the_text(
    writer: Any, sessions: Sessions
) -> None:
    await store(
        writer,
        chat("a", at=0, client="Anna Petrova", phone="+7 916 123-45-67"),
        chat("b", at=1, client="Boris", email="ANNA.b@mail.example"),
        chat("c", at=2, client="Vera", phone="+7 900 000-00-00"),
    )
    async with sessions() as session:
        dialect = session.get_bind().dialect.name

        async def hits(text: str) -> int:
            return await search._hits(session, search.CLIENT, text, dialect)

        assert await hits("anna") == 2  # a name and an e-mail, in other cases
        assert await hits("+7 9") == 2
        assert await hits("916 123") == 1
        assert await hits("vera+7") == 0  # never across two fields
        assert await hits("petrova+7") == 0


async def test_a_frequent_text_is_searched_along_the_list(writer: Any, sessions: Sessions) -> None:
    await store(writer, *(chat(f"c{n}", at=n, text=f"пылесос {n}") for n in range(3)))
    await store(writer, chat("last", at=10, client="Ольга Пылесосова", text="Здравствуйте"))
    async with sessions() as session:
        assert await search.frequent(session, filters.from_query([("q", "ПЫЛЕСОС")])) == {"q"}
        assert await search.frequent(session, filters.from_query([("q", "пылесос 1")])) == set()
        assert await search.frequent(session, filters.from_query([("q", "ол")])) == set()
        names = filters.from_query([("client_name", "пылесос"), ("client_phone", "+7")])
        assert await search.frequent(session, names) == set()  # one name; a short text
    await store(writer, chat("next", at=11, client="Пётр Пылесосов"))
    async with sessions() as session:
        names = filters.from_query([("client_name", "пылесос")])
        assert await search.frequent(session, names) == {"client_name"}
    # the page is the same whichever way it is found
    assert await ids(sessions, q="пылесос") == ["next", "last", "c2", "c1", "c0"]
    assert await ids(sessions, q="пылесос 1") == ["c1"]
    assert await ids(sessions, q="пылесос", limit=2) == ["next", "last"]
    assert await ids(sessions, client_name="пылесос") == ["next", "last"]


async def test_a_changed_client_is_found_by_the_new_name_only(
    writer: Any, sessions: Sessions
) -> None:
    await store(writer, chat("c1", client="Анна", phone="+7 900 111-22-33"))
    renamed = Script("c1-renamed").at(
        5, "conversation.updated", conversation_id="c1", client={"name": "Мария Иванова"}
    )
    await store(writer, renamed)
    for way in WAYS:
        assert await _found(sessions, way, client_name="иванова") == {"c1"}, way
        assert await _found(sessions, way, client_name="анна") == set(), way
        assert await _found(sessions, way, q="мария") == {"c1"}, way


def test_a_message_posted_after_the_migration_is_found(api: TestClient) -> None:
    opened = {
        "id": "x-1",
        "type": "conversation.opened",
        "ts": T0.isoformat(),
        "conversation_id": "x",
        "channel_id": "web",
        "medium": "chat",
        "direction": "inbound",
        "client": {"name": "Анна", "phone": "+7 916 555-66-77"},
    }
    message = {"id": "x-2", "type": "message.created", "ts": T0.isoformat(),
               "conversation_id": "x", "message_id": "m1", "author": "client",
               "text": "Пришёл не тот ЦВЕТ чайника"}  # fmt: skip
    assert api.post("/api/v1/events", json=[opened, message]).status_code == 200
    for q, expected in (("цвет ЧАЙНИКА", ["x"]), ("цвет чайников", []), ("555-66", ["x"])):
        found = api.get("/api/v1/conversations", params={"q": q}).json()["items"]
        assert [item["id"] for item in found] == expected, q


@pytest.fixture(params=["sqlite", "postgresql"])
def empty(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """An empty database of each kind, not yet migrated."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path)
        return
    name = f"dozor_search_{uuid.uuid4().hex[:8]}"
    asyncio.run(_postgres(f'CREATE DATABASE "{name}"'))
    base = POSTGRES.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield Settings(database_url=f"{base}/{name}", data_dir=tmp_path)
    asyncio.run(_postgres(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _postgres(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES)
    await connection.execute(statement)
    await connection.close()


async def test_the_migration_indexes_what_was_stored_before(empty: Settings) -> None:
    """Stored, then the search's migrations (0008, 0009) undone and done again: they index
    what the tables hold."""
    engine = create_engine(empty)
    config = alembic_config()
    await upgrade(empty, engine=engine)
    old = chat("old", client="Анна Петрова", phone="+7 916 000-11-22", text="Курьер опоздал")
    async with write_sessionmaker(engine)() as session, session.begin():
        await ingest.store_batches(session, [old.events], received_at=T0)

    def to_0007(connection: Any) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")

    async with engine.begin() as connection:
        await connection.run_sync(to_0007)
    await upgrade(empty, engine=engine)
    sessions = sessionmaker(engine)
    for query in ({"q": "КУРЬЕР"}, {"q": "000-11"}, {"client_name": "петрова"}):
        assert await _found(sessions, "from the index", **query) == {"old"}, query
    await engine.dispose()


async def test_a_text_along_the_list_in_another_order_pages_alike(
    writer: Any, sessions: Sessions
) -> None:
    # stored (numbered) in one order, created in another: sorted by creation, a frequent text
    # is checked on rows already in that order (listing.page's subquery), page after page
    opened = {"c0": 40, "c1": 10, "c2": 30, "c3": 0, "c4": 20, "c5": 50}
    await store(
        writer,
        *(
            chat(cid, at=at, group="sales" if cid == "c5" else "support",
                 text="Здравствуйте" if cid == "c2" else f"пылесос {cid}")
            for cid, at in opened.items()
        ),
    )  # fmt: skip
    async with sessions() as session:
        assert await search.frequent(session, filters.from_query([("q", "пылесос")])) == {"q"}
    oldest = listing.Sort("created_at", descending=False)
    assert await ids(sessions, q="пылесос", group="support", sort=oldest) == [
        "c3", "c1", "c4", "c0"
    ]  # fmt: skip
    newest = listing.Sort("created_at", descending=True)
    pages, cursor = [], None
    for _ in range(3):
        async with sessions() as session:
            page = await listing.page(
                session, dialog_filter=filters.from_query([("q", "пылесос")]), scope=ALL,
                now=T0, zone=MOSCOW, sla=DEFAULTS, sort=newest, cursor=cursor, limit=2,
            )  # fmt: skip
        pages.append([row.id for row in page.rows])
        cursor = page.next_cursor
    assert pages == [["c5", "c0"], ["c4", "c1"], ["c3"]]
    assert cursor is None


@pytest.mark.parametrize(
    ("events", "matches"),
    [(0, 2), (999_999, 2), (10_000_000, 6.1), (11_000_000, 5.8), (100_000_000, 2), (10**9, 2)],
)
def test_a_text_is_walked_from_fewer_sample_matches_the_larger_the_log(
    events: int, matches: float
) -> None:
    # at 1M conversations (~10M events) a text in 0.04 % of the messages is cheaper from the
    # index (1,600 matches) than along the list (~12,000 conversations): docs/performance.md
    assert search.walk_threshold(events) == pytest.approx(matches, abs=0.05)


async def test_a_text_found_in_windows_of_numbers_pages_as_if_found_whole(
    writer: Any, sessions: Sessions, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL asks for a text's matches in a window of numbers below the page, widened
    until the page is full: windows far too small here (a page of 3 in 4 numbers, widened
    twofold), so that pages widen, by what a window held or, when it held none, to the first
    number."""
    clients = (2, 7, 12, 18, 61, 62)
    await store(
        writer,
        *(
            chat(f"c{n}", at=n, client="Пётр Заказов" if n in clients else None,
                 text="где мой заказ" if n % 5 == 0 else "спасибо")
            for n in range(100)
        ),
    )  # fmt: skip
    monkeypatch.setattr(search, "SAMPLE", 8)  # one match in a page's sample: not frequent
    monkeypatch.setattr(search, "SPARE", 0.1)
    monkeypatch.setattr(search, "SMALLEST_WINDOW", 1)
    monkeypatch.setattr(search, "WIDEN", 2)
    windows: list[tuple[search.Numbers, int]] = []
    wider = search.Numbers.wider

    def widen(numbers: search.Numbers, *, found: int, wanted: int) -> search.Numbers:
        windows.append((numbers, found))
        return wider(numbers, found=found, wanted=wanted)

    monkeypatch.setattr(search.Numbers, "wider", widen)
    found, cursor = [], None
    while True:
        async with sessions() as session:
            page = await listing.page(
                session, dialog_filter=filters.from_query([("q", "ЗАКАЗ")]), scope=ALL, now=T0,
                zone=MOSCOW, sla=DEFAULTS, cursor=cursor, limit=3,
            )  # fmt: skip
        found += [row.id for row in page.rows]
        assert len(page.rows) == 3 or page.next_cursor is None
        if (cursor := page.next_cursor) is None:
            break
    expected = [f"c{n}" for n in range(99, -1, -1) if n % 5 == 0 or n in clients]
    assert found == expected
    if session.get_bind().dialect.name == "sqlite":
        assert windows == []
        return
    widened = [((w.low, w.high), held) for w, held in windows]
    assert widened[:7] == [
        ((98, 101), 0), ((83, 86), 0), ((68, 71), 0),  # empty: the next is the whole list
        ((60, 62), 1), ((58, 62), 1), ((54, 62), 2), ((46, 62), 3),  # twice as wide each time
    ]  # fmt: skip
