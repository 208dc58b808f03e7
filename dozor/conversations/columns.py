"""The columns of the dialog list (seed 001): what each one is, how it sorts, how it is computed.

The durations are properties of ``ConversationState`` (Python) and, here, SQL expressions over
the same stored columns, so the list can sort, filter and summarise them in the database. A test
on both databases proves the two definitions agree.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Float, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement

from dozor.conversations.models import Conversation
from dozor.conversations.overdue import overdue_sql
from dozor.directory.models import Channel, Group, Topic
from dozor.lib.labels import N_
from dozor.live.targets import SlaRules
from dozor.operators.models import Operator

t = Conversation.__table__.c


class seconds_between(FunctionElement[float]):  # noqa: N801 (an SQL function's name)
    """``end - start`` in seconds, NULL when either is NULL."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"


@compiles(seconds_between)
def _seconds_postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # timestamps are stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC): whole seconds from strftime,
    # the fraction read off the text, so microseconds survive (julianday keeps milliseconds)
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return (
        f"((CAST(strftime('%s', {end}) AS INTEGER) - CAST(strftime('%s', {start}) AS INTEGER))"
        f" + (CAST(substr({end}, 20) AS REAL) - CAST(substr({start}, 20) AS REAL)))"
    )


def _bot_time() -> ColumnElement[Any]:
    joined = func.coalesce(t.accepted_at, t.first_answer_at)
    return case(
        (t.first_bot_message_at <= joined, seconds_between(t.first_bot_message_at, joined)),
        else_=None,
    )


# DESIGN.md's durations, as ConversationState defines them (see docs/metrics.md)
DURATION_SQL: dict[str, ColumnElement[Any]] = {
    "wait_first_answer": seconds_between(
        func.coalesce(t.queued_at, t.created_at), t.first_answer_at
    ),
    "time_to_accept": seconds_between(t.created_at, t.accepted_at),
    "time_to_operator_close": seconds_between(t.created_at, t.operator_closed_at),
    "duration": case(
        (t.medium == "call", seconds_between(t.accepted_at, t.closed_at)),
        else_=seconds_between(t.first_message_at, t.last_message_at),
    ),
    "first_message_response": seconds_between(
        t.first_client_message_at, func.coalesce(t.first_response_at, t.closed_at)
    ),
    "bot_time": _bot_time(),
    "response_total": t.response_total,
    "response_avg": case((t.response_count > 0, t.response_total / t.response_count), else_=None),
    "response_max": t.response_max,
}


def _name(model: Any, id_column: Any) -> ColumnElement[Any]:
    """The display name of a directory row, for sorting by it (the id when it has none)."""
    name = select(model.name).where(model.id == id_column).scalar_subquery()
    return func.coalesce(name, id_column)


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # an English msgid
    kind: str  # text, name, label, flag, rating, date, duration, number
    nullable: bool = True

    @property
    def is_date(self) -> bool:
        return self.kind == "date"


def _columns() -> list[Column]:
    c = Column
    return [
        c("number", N_("No."), "number", nullable=False),
        c("group_id", N_("Open line"), "name"),
        c("direction", N_("Type"), "label", nullable=False),
        c("status", N_("Status"), "label", nullable=False),
        c("detailed_status", N_("Detailed status"), "label", nullable=False),
        c("work_state", N_("Work state"), "label", nullable=False),
        c("overdue", N_("Overdue"), "flag", nullable=False),
        c("spam", N_("Spam"), "flag", nullable=False),
        c("channel_id", N_("Channel"), "name"),
        c("medium", N_("Medium"), "label"),
        c("client_name", N_("Client"), "text"),
        c("client_phone", N_("Phone"), "text"),
        c("client_email", N_("E-mail address"), "text"),
        c("operator_id", N_("Operator"), "name"),
        c("topic", N_("Topic"), "name"),
        c("crm_ref", N_("CRM record"), "text"),
        c("page_url", N_("Site page"), "text"),
        c("form_filled", N_("Filled in the form"), "flag", nullable=False),
        c("history_requested", N_("Requested the history"), "flag", nullable=False),
        c("pinned_operator_id", N_("Pinned"), "name"),
        c("client_rating", N_("Client's rating"), "rating"),
        c("supervisor_comment", N_("Supervisor's comment"), "text"),
        c("supervisor_rating", N_("Supervisor's rating"), "rating"),
        c("created_at", N_("Created"), "date", nullable=False),
        c("queued_at", N_("Queued at"), "date"),
        c("first_answer_at", N_("Operator's answer at"), "date"),
        c("accepted_at", N_("Operator started work at"), "date"),
        c("last_message_at", N_("Last message at"), "date"),
        c("operator_closed_at", N_("Closed by the operator at"), "date"),
        c("closed_at", N_("Closed at"), "date"),
        c("changed_at", N_("Changed at"), "date", nullable=False),
        c("wait_first_answer", N_("Wait for the operator's answer"), "duration"),
        c("time_to_accept", N_("Time to start of work"), "duration"),
        c("time_to_operator_close", N_("Time to close by the operator"), "duration"),
        c("duration", N_("Conversation duration"), "duration"),
        c("first_message_response", N_("Response to the first message"), "duration"),
        c("bot_time", N_("Chatbot time"), "duration"),
        c("response_total", N_("Total response time"), "duration"),
        c("response_avg", N_("Average response time"), "duration"),
        c("response_max", N_("Maximum response time"), "duration"),
    ]


COLUMNS: dict[str, Column] = {column.key: column for column in _columns()}
DATES = tuple(k for k, col in COLUMNS.items() if col.kind == "date")
DURATIONS = tuple(k for k, col in COLUMNS.items() if col.kind == "duration")
DEFAULT_VISIBLE = (
    "number",
    "created_at",
    "channel_id",
    "medium",
    "group_id",
    "operator_id",
    "client_name",
    "detailed_status",
    "work_state",
    "overdue",
    "wait_first_answer",
)
NAME_MODELS: dict[str, Any] = {
    "group_id": Group,
    "channel_id": Channel,
    "operator_id": Operator,
    "pinned_operator_id": Operator,
    "topic": Topic,
}

LABELS: dict[str, dict[str, str]] = {
    "direction": {"inbound": N_("Inbound"), "outbound": N_("Outbound")},
    "flag": {"true": N_("Yes"), "false": N_("No")},
}


def sort_sql(key: str, now: datetime, sla: SlaRules) -> ColumnElement[Any]:
    """The SQL value a column sorts and pages by."""
    if key in DURATION_SQL:
        return DURATION_SQL[key]
    if key == "overdue":
        return case((overdue_sql(now, sla), 1), else_=0)
    if key in NAME_MODELS:
        return _name(NAME_MODELS[key], t[key])
    return t[key]


def visible(chosen: list[str] | None) -> list[Column]:
    """The columns a user chose, in their order; unknown keys are dropped."""
    keys = [k for k in (chosen or DEFAULT_VISIBLE) if k in COLUMNS]
    return [COLUMNS[k] for k in dict.fromkeys(keys)] or [COLUMNS["number"]]


def format_duration(seconds: float | None) -> str:
    """Seconds as people read them: 45 → 0:45, 3725 → 1:02:05; a dash when undefined."""
    if seconds is None:
        return "—"
    whole = int(round(seconds))
    sign, whole = ("-", -whole) if whole < 0 else ("", whole)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"
