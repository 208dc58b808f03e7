"""The dialog list's filter (seed 001 "Фильтр + поиск"): what may be asked, and its SQL.

``DialogFilter`` is the same for the page (its form) and the API (query parameters). Turning it
into SQL conditions is pure: no session, only the dialect (for case-insensitive search), the
time ``now`` and the SLA rules (overdue depends on them).
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, create_model
from sqlalchemy import and_, not_
from sqlalchemy.sql.elements import ColumnElement

from dozor.conversations import search
from dozor.conversations.columns import DATES, DURATION_SQL, DURATIONS
from dozor.conversations.models import Conversation
from dozor.conversations.overdue import overdue_sql
from dozor.conversations.state import ACTIVE_DETAILED
from dozor.live.targets import SlaRules

t = Conversation.__table__.c
Rating = Annotated[int, Field(ge=1, le=5)]

# filter field -> the column it selects by (any of the values given)
MULTI = {
    "operator": "operator_id",
    "group": "group_id",
    "channel": "channel_id",
    "topic": "topic",
    "medium": "medium",
    "direction": "direction",
    "status": "status",
    "detailed_status": "detailed_status",
    "work_state": "work_state",
    "pinned_operator": "pinned_operator_id",
    "client_rating": "client_rating",
    "supervisor_rating": "supervisor_rating",
}
CONTAINS = ("client_name", "client_phone", "client_email", "page_url", "crm_ref")
FLAGS = ("spam", "form_filled", "history_requested")


class _Base(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    q: str | None = Field(
        default=None,
        max_length=200,
        description="Free text: client name, phone or e-mail, the number, or any message text.",
    )
    operator: list[str] = Field(default=[], description="Operator ids (any of).")
    group: list[str] = Field(default=[], description="Group (open line) ids.")
    channel: list[str] = Field(default=[], description="Channel ids.")
    topic: list[str] = Field(default=[], description="Topic ids.")
    medium: list[Literal["chat", "call", "email"]] = []
    direction: list[Literal["inbound", "outbound"]] = []
    status: list[Literal["waiting", "answered", "closed"]] = []
    detailed_status: list[
        Literal[
            "new",
            "queued",
            "in_work",
            "waiting",
            "waiting_again",
            "answered",
            "closing",
            "closed",
            "spam",
        ]
    ] = []
    work_state: list[Literal["new", "unanswered", "answered", "closed"]] = []
    pinned_operator: list[str] = Field(default=[], description="Pinned to these operators.")
    client_rating: list[Rating] = []
    supervisor_rating: list[Rating] = []
    active: bool | None = Field(
        default=None,
        description="true: the six active detailed statuses (new, queued, in_work, waiting, "
        "waiting_again, answered); false: the others.",
    )
    overdue: bool | None = None
    spam: bool | None = None
    pinned: bool | None = Field(default=None, description="Pinned to any operator.")
    form_filled: bool | None = None
    history_requested: bool | None = None
    has_crm: bool | None = Field(default=None, description="Linked to a CRM record.")
    has_comment: bool | None = Field(default=None, description="Has a supervisor's comment.")
    client_name: str | None = Field(default=None, max_length=200, description="Contains.")
    client_phone: str | None = Field(default=None, max_length=200, description="Contains.")
    client_email: str | None = Field(default=None, max_length=200, description="Contains.")
    page_url: str | None = Field(default=None, max_length=200, description="Contains.")
    crm_ref: str | None = Field(default=None, max_length=200, description="Contains.")


_RANGES: dict[str, Any] = {}
for _key in DATES:
    _RANGES[f"{_key}_from"] = (datetime | None, Field(default=None, description="From (incl.)."))
    _RANGES[f"{_key}_to"] = (datetime | None, Field(default=None, description="Before (excl.)."))
for _key in DURATIONS:
    _RANGES[f"{_key}_min"] = (float | None, Field(default=None, description="Seconds, at least."))
    _RANGES[f"{_key}_max"] = (float | None, Field(default=None, description="Seconds, at most."))

DialogFilter = create_model("DialogFilter", __base__=_Base, **_RANGES)
"""Every filter of the list; a naive date is read on the center's clock."""

FIELDS = frozenset(DialogFilter.model_fields)
LIST_FIELDS = frozenset(
    name for name, field in DialogFilter.model_fields.items() if field.default == []
)


def from_query(items: Iterable[tuple[str, str]]) -> Any:
    """A filter from query parameters (a form's or a saved filter's): blanks are ignored,
    repeated names make lists; raises ``pydantic.ValidationError`` for a bad value."""
    data: dict[str, Any] = {}
    for name, value in items:
        if name not in FIELDS or not (value := value.strip()):
            continue
        if name in LIST_FIELDS:
            data.setdefault(name, []).append(value)
        else:
            data[name] = value
    return DialogFilter.model_validate(data)


def to_query(dialog_filter: Any) -> list[tuple[str, str]]:
    """The query parameters that give this filter back (for links and saved filters)."""
    items: list[tuple[str, str]] = []
    for name, value in dialog_filter.model_dump(exclude_defaults=True).items():
        for one in value if isinstance(value, list) else [value]:
            text = str(one).lower() if isinstance(one, bool) else _text(one)
            items.append((name, text))
    return items


def _text(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)


def is_empty(dialog_filter: Any) -> bool:
    return not dialog_filter.model_dump(exclude_defaults=True)


def conditions(
    dialog_filter: Any,
    *,
    now: datetime,
    zone: ZoneInfo,
    dialect: str,
    sla: SlaRules,
    frequent: frozenset[str] = frozenset(),
    numbers: search.Numbers | None = None,
) -> list[ColumnElement[bool]]:
    """The WHERE conditions of a filter, all of which must hold; overdue by the targets and
    business hours of ``sla``; the texts of the fields in ``frequent`` (``search.frequent``)
    checked along the list rather than found from an index; the free text only in the window
    ``numbers`` (``search.window``)."""
    f = dialog_filter
    found: list[Any] = []
    for name, column in MULTI.items():
        if values := getattr(f, name):
            found.append(t[column].in_(values))
    for name in CONTAINS:
        if not (text := getattr(f, name)):
            continue
        if name in search.CLIENT:
            found.append(search.client_field(name, text, dialect, frequent=name in frequent))
        else:
            found.append(search.contains(t[name], text, dialect))
    for name in FLAGS:
        if (flag := getattr(f, name)) is not None:
            found.append(t[name] == flag)
    found.extend(_presence(f))
    if f.active is not None:
        active = t.detailed_status.in_(ACTIVE_DETAILED)
        found.append(active if f.active else not_(active))
    if f.overdue is not None:
        overdue = overdue_sql(now, sla)
        found.append(overdue if f.overdue else not_(overdue))
    found.extend(_ranges(f, zone))
    if f.q:
        found.append(search.condition(f.q, dialect, frequent="q" in frequent, numbers=numbers))
    return found


def _presence(f: Any) -> list[Any]:
    found = []
    for flag, column in (("pinned", t.pinned_operator_id), ("has_crm", t.crm_ref)):
        if (value := getattr(f, flag)) is not None:
            found.append(column.is_not(None) if value else column.is_(None))
    if f.has_comment is not None:
        comment = and_(t.supervisor_comment.is_not(None), t.supervisor_comment != "")
        found.append(comment if f.has_comment else not_(comment))
    return found


def _ranges(f: Any, zone: ZoneInfo) -> list[Any]:
    found = []
    for key in DATES:
        if (start := getattr(f, f"{key}_from")) is not None:
            found.append(t[key] >= _aware(start, zone))
        if (end := getattr(f, f"{key}_to")) is not None:
            found.append(t[key] < _aware(end, zone))
    for key in DURATIONS:
        if (low := getattr(f, f"{key}_min")) is not None:
            found.append(DURATION_SQL[key] >= low)
        if (high := getattr(f, f"{key}_max")) is not None:
            found.append(DURATION_SQL[key] <= high)
    return found


def _aware(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)
