"""The dialog list's pure rules, without a database: the filter from a query, its SQL, the
cursor, the columns chooser, durations as people read them."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from dozor.conversations import filters, listing, pages, search
from dozor.conversations.access import Scope
from dozor.conversations.columns import COLUMNS, DEFAULT_VISIBLE, format_duration, visible
from dozor.conversations.models import Conversation
from dozor.live.targets import SlaRules

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MOSCOW = ZoneInfo("Europe/Moscow")


def _sql(
    dialog_filter,
    dialect: str = "sqlite",
    frequent: set[str] | None = None,
    numbers: search.Numbers | None = None,
) -> str:
    where = filters.conditions(
        dialog_filter,
        now=NOW,
        zone=MOSCOW,
        dialect=dialect,
        sla=SlaRules(),
        frequent=frozenset(frequent or ()),
        numbers=numbers,
    )
    statement = select(Conversation.number).where(*where)
    compiler = sqlite.dialect() if dialect == "sqlite" else postgresql.dialect()
    return str(statement.compile(dialect=compiler, compile_kwargs={"literal_binds": True}))


def test_a_form_query_becomes_a_filter_and_blanks_are_ignored() -> None:
    found = filters.from_query(
        [
            ("operator", "anna"),
            ("operator", "olga"),
            ("group", ""),
            ("overdue", "true"),
            ("spam", "false"),
            ("client_rating", "5"),
            ("created_at_from", "2026-03-02T10:00"),
            ("wait_first_answer_min", "30"),
            ("q", "  "),
            ("sort", "created_at"),  # not a filter: left to the list
        ]
    )
    assert found.operator == ["anna", "olga"]
    assert found.group == []
    assert found.overdue is True and found.spam is False
    assert found.client_rating == [5]
    assert found.created_at_from == datetime(2026, 3, 2, 10, 0)
    assert found.wait_first_answer_min == 30
    assert found.q is None


@pytest.mark.parametrize(
    "items",
    [[("status", "lost")], [("client_rating", "6")], [("overdue", "maybe")], [("q", "x" * 201)]],
)
def test_a_bad_value_is_refused(items: list[tuple[str, str]]) -> None:
    with pytest.raises(ValidationError):
        filters.from_query(items)


def test_a_filter_gives_back_the_query_it_came_from() -> None:
    items = [
        ("group", "support"),
        ("group", "sales"),
        ("active", "true"),
        ("client_name", "Анна"),
        ("closed_at_to", "2026-03-02T10:00:00+03:00"),
    ]
    found = filters.from_query(items)
    assert filters.from_query(filters.to_query(found)) == found
    assert filters.is_empty(filters.from_query([])) and not filters.is_empty(found)


def test_active_means_the_six_active_detailed_statuses_of_seed_001() -> None:
    sql = _sql(filters.from_query([("active", "true")]))
    assert (
        "detailed_status IN ('new', 'queued', 'in_work', 'waiting', 'waiting_again', 'answered')"
        in sql
    )
    assert "conversations.detailed_status NOT IN" in _sql(filters.from_query([("active", "false")]))


def test_overdue_is_a_condition_on_the_time_in_the_work_state() -> None:
    sql = _sql(filters.from_query([("overdue", "true")]))
    # a chat new for more than 60 s: entered its state before 08:59:00
    assert "coalesce(conversations.medium, 'chat') = 'chat'" in sql
    assert "conversations.work_state = 'new'" in sql
    assert "conversations.work_state_since < '2026-03-02 08:59:00" in sql
    assert "conversations.work_state_since IS NOT NULL" in sql


def test_a_naive_date_is_read_on_the_centers_clock() -> None:
    sql = _sql(filters.from_query([("created_at_from", "2026-03-02T12:00")]), "postgresql")
    assert "conversations.created_at >= '2026-03-02 09:00:00+00:00'" in sql  # 12:00 in Moscow


def test_search_looks_in_names_phones_emails_numbers_and_message_texts() -> None:
    query = filters.from_query([("q", "4242")])
    from_index = _sql(query, "postgresql")
    for part in (
        "WHERE conversations.number = ANY (array((SELECT found.number",
        "found.client_name ILIKE '%%4242%%'",
        "found.client_phone ILIKE",
        "found.client_email ILIKE",
        "UNION ALL SELECT message_texts.number \nFROM message_texts \n"
        "WHERE message_texts.text ILIKE '%%4242%%'",
        "UNION ALL SELECT 4242",
    ):
        assert part in from_index, part
    windowed = _sql(query, "postgresql", numbers=search.Numbers(5000, 9000))
    assert "4242" not in windowed.replace("%%4242%%", "")  # the number is not in the window
    for part in (
        "WHERE message_texts.text ILIKE '%%4242%%' ESCAPE '\\' "
        "AND message_texts.number > 5000 AND message_texts.number < 9000",
        "ESCAPE '\\') AND found.number > 5000 AND found.number < 9000",
    ):
        assert part in windowed, part
    along = _sql(query, "postgresql", frequent={"q"})
    for part in (  # along the list: checked row by row, in a form no index answers
        "strpos(lower(conversations.client_name), lower('4242')) > 0",
        "conversations.number = 4242",
        "EXISTS (SELECT * \nFROM message_texts \nWHERE message_texts.number = "
        "conversations.number AND strpos(lower(message_texts.text), lower('4242')) > 0)",
    ):
        assert part in along, part


def test_sqlite_searches_its_full_text_tables_or_tries_the_usual_spellings() -> None:
    assert search.variants("аННа") == ["аННа", "анна", "АННА", "Анна"]
    query = filters.from_query([("client_name", "анна")])
    assert "client_search MATCH '{client_name} : \"анна\"'" in _sql(query)
    sql = _sql(query, frequent={"client_name"})
    assert "LIKE '%анна%'" in sql and "LIKE '%Анна%'" in sql and "LIKE '%АННА%'" in sql
    messages = _sql(filters.from_query([("q", 'say "hi"')]))
    assert 'message_search MATCH \'"say ""hi"""\'' in messages


def test_like_wildcards_typed_by_the_user_are_literal() -> None:
    sql = _sql(filters.from_query([("client_email", "a_b%")]), "postgresql")
    assert "ILIKE '%%a\\_b\\%%%%' ESCAPE" in sql


def test_nothing_is_in_sight_of_a_scope_with_no_groups_and_no_operator() -> None:
    nobody = Scope(actor="charlie")
    statement = select(Conversation.number).where(nobody.condition())
    assert "false" in str(statement.compile(dialect=postgresql.dialect())).lower()
    operator = Scope(actor="bob", operator_id="op-1", queue_groups=frozenset({"support"}))
    sql = str(
        select(Conversation.number)
        .where(operator.condition())
        .compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True})
    )
    assert "conversations.operator_id = 'op-1'" in sql
    assert "conversations.pinned_operator_id = 'op-1'" in sql
    assert "conversations.operator_id IS NULL AND conversations.closed_at IS NULL" in sql


# -- the cursor ----------------------------------------------------------------------------------


def test_a_cursor_carries_its_sort_and_position() -> None:
    sort = listing.Sort("created_at", descending=False)
    moment = NOW + timedelta(seconds=1.5)
    cursor = listing.encode_cursor(sort, moment, 17)
    assert "=" not in cursor and "created" not in cursor  # opaque, URL-safe
    assert listing.decode_cursor(cursor, sort) == (moment, 17)
    assert listing.decode_cursor(listing.encode_cursor(sort, None, 3), sort) == (None, 3)


@pytest.mark.parametrize("cursor", ["", "garbage!", "W10", "WyJudW1iZXIiXQ"])
def test_a_foreign_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(listing.CursorError):
        listing.decode_cursor(cursor, listing.Sort())


def test_a_cursor_of_another_sort_is_refused() -> None:
    cursor = listing.encode_cursor(listing.Sort("number", True), 5, 5)
    with pytest.raises(listing.CursorError, match="another sort"):
        listing.decode_cursor(cursor, listing.Sort("number", False))


def test_an_unknown_sort_falls_back_to_the_newest_first() -> None:
    assert listing.Sort.parse("password_hash", "asc") == listing.Sort("number", True)
    assert listing.Sort.parse("client_name", "asc") == listing.Sort("client_name", False)


def test_empty_values_sort_last_in_both_directions() -> None:
    for descending in (True, False):
        sort = listing.Sort("closed_at", descending)
        sql = str(
            select(Conversation.number)
            .order_by(*listing.order_by(sort, NOW, SlaRules()))
            .compile(dialect=postgresql.dialect())
        )
        assert "NULLS LAST" in sql


# -- columns -------------------------------------------------------------------------------------


def test_every_key_of_design_md_is_a_column() -> None:
    keys = set(COLUMNS)
    for key in (
        "number",
        "group_id",
        "direction",
        "status",
        "detailed_status",
        "spam",
        "channel_id",
        "client_name",
        "operator_id",
        "crm_ref",
        "page_url",
        "form_filled",
        "history_requested",
        "pinned_operator_id",
        "client_rating",
        "supervisor_comment",
        "supervisor_rating",
        "created_at",
        "queued_at",
        "first_answer_at",
        "accepted_at",
        "last_message_at",
        "operator_closed_at",
        "closed_at",
        "changed_at",
        "wait_first_answer",
        "time_to_accept",
        "time_to_operator_close",
        "duration",
        "first_message_response",
        "bot_time",
        "response_total",
        "response_avg",
        "response_max",
        "work_state",
        "overdue",
        "topic",
    ):
        assert key in keys, key


def test_the_chooser_moves_a_column_and_keeps_only_the_ticked() -> None:
    order = list(DEFAULT_VISIBLE)
    shown = set(order) - {"medium"}
    arranged = pages.arrange(order, shown, "operator_id:up")
    assert arranged.index("operator_id") < arranged.index("group_id")
    assert "medium" not in arranged
    assert pages.arrange(order, shown, "number:up")[0] == "number"  # the top stays the top
    assert pages.arrange(["nonsense"], set(), None) == ["number"]


def test_unknown_saved_columns_are_dropped() -> None:
    assert [c.key for c in visible(["closed_at", "password_hash", "closed_at"])] == ["closed_at"]
    assert [c.key for c in visible(None)] == list(DEFAULT_VISIBLE)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(None, "—"), (0, "0:00"), (44.4, "0:44"), (59.6, "1:00"), (3725, "1:02:05"), (-3, "-0:03")],
)
def test_durations_read_as_minutes_and_seconds(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


def test_a_transfer_target_names_an_operator_or_a_line() -> None:
    assert pages.target("operator:anna") == {"to_operator_id": "anna", "to_group_id": None}
    assert pages.target("group:sales:east") == {"to_operator_id": None, "to_group_id": "sales:east"}
    assert pages.target("") == {"to_operator_id": None, "to_group_id": None}


def test_after_an_action_the_page_goes_back_only_to_the_dialog_list() -> None:
    assert pages.back("/conversations?active=true") == "/conversations?active=true"
    assert pages.back("https://evil.example/") == "/conversations"
    assert pages.back("/tasks") == "/conversations"
