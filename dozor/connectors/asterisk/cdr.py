"""Call records from CSV: Asterisk's ``Master.csv`` and any CSV described by a column mapping.

Master.csv (cdr_csv), in its standard column order: accountcode, src, dst, dcontext, clid,
channel, dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, disposition,
amaflags, then uniqueid and userfield where cdr.conf adds them. Times are the PBX's local time
(UTC with ``usegmtime``). It has no direction: a call whose context (dcontext) matches an
``--outbound-context`` pattern was dialled out by an operator, on ``channel``; any other came in,
and the operator is the one on ``dstchannel``. A call through ``Queue()`` is in that queue.
"""

import fnmatch
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from dozor.connectors.asterisk.agents import interface_of, operator_id
from dozor.connectors.asterisk.calls import CallRecord
from dozor.connectors.asterisk.emit import digest
from dozor.connectors.asterisk.mapping import Skip

MASTER_COLUMNS = [
    "accountcode",
    "src",
    "dst",
    "dcontext",
    "clid",
    "channel",
    "dstchannel",
    "lastapp",
    "lastdata",
    "start",
    "answer",
    "end",
    "duration",
    "billsec",
    "disposition",
    "amaflags",
    "uniqueid",
    "userfield",
]


def _local(text: str, tz: tzinfo) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def master_record(
    row: list[str], *, tz: tzinfo, outbound_contexts: tuple[str, ...]
) -> CallRecord | Skip:
    """One Master.csv row as a call; ``Skip`` for a header or a row too short to be one."""
    if len(row) < 16:
        return Skip("short row")
    f = dict(zip(MASTER_COLUMNS, (value.strip() for value in row), strict=False))
    if f["accountcode"] == "accountcode":
        return Skip("header")
    try:
        start = _local(f["start"], tz)
        answer = _local(f["answer"], tz)
        end = _local(f["end"], tz)
    except ValueError:
        return Skip("bad time")
    if start is None:
        return Skip("bad time")
    outbound = any(fnmatch.fnmatchcase(f["dcontext"], p) for p in outbound_contexts)
    answered = f["disposition"].upper() == "ANSWERED" and answer is not None
    operator = operator_id(interface_of(f["channel"] if outbound else f["dstchannel"]))
    queue = f["lastdata"].split(",")[0].strip() if f["lastapp"].lower() == "queue" else None
    return CallRecord(
        id=f.get("uniqueid") or digest(",".join(row)),
        direction="outbound" if outbound else "inbound",
        arrival=start,
        queue=queue or None,
        # the CDR does not tell when the call entered the queue: from its start
        queue_start=start if queue and not outbound else None,
        answer=answer if answered else None,
        end=end,
        agent=operator,
        answered=answered,
        abandoned=not answered and not outbound,
        outcome=f["disposition"] or None,
        client_phone=f["dst"] if outbound else f["src"],
    )


# -- a generic CSV, described by a mapping -----------------------------------------------------

ROLES = [
    "id",
    "arrival",
    "ivr_end",
    "queue_start",
    "queue_end",
    "answer",
    "end",
    "agent",
    "queue",
    "outcome",
    "direction",
    "client_phone",
    "client_id",
]
TIMES = ("arrival", "ivr_end", "queue_start", "queue_end", "answer", "end")


class MappingError(ValueError):
    pass


@dataclass(frozen=True)
class Mapping:
    """How to read a call-center CSV: which column plays which role, and what its values mean.

    Written as TOML (docs/asterisk.md) or built in (``profiles.py``)."""

    columns: dict[str, str | list[str]]
    channel: str = "asterisk"
    delimiter: str = ","
    timezone: str = "UTC"
    time_format: str = ""  # strptime; empty: ISO 8601
    date_column: str = ""  # set when the time columns hold a time of day only
    date_format: str = "%Y-%m-%d"
    never: tuple[str, ...] = ("",)  # values meaning "did not happen"
    direction: str = "inbound"  # when no column gives it
    outbound: tuple[str, ...] = ("outbound", "out", "outgoing")
    answered: tuple[str, ...] = ()  # empty: answered when an answer time is present
    abandoned: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    no_agent: tuple[str, ...] = ("",)
    no_client: tuple[str, ...] = ("",)
    tz: tzinfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        unknown = set(self.columns) - set(ROLES)
        if unknown:
            raise MappingError(f"unknown column role(s): {', '.join(sorted(unknown))}")
        if "id" not in self.columns or "arrival" not in self.columns:
            raise MappingError("the mapping must name the 'id' and 'arrival' columns")
        if self.direction not in ("inbound", "outbound"):
            raise MappingError("direction must be 'inbound' or 'outbound'")
        try:
            object.__setattr__(self, "tz", ZoneInfo(self.timezone))
        except Exception:
            raise MappingError(f"unknown time zone {self.timezone!r}") from None

    @classmethod
    def from_toml(cls, data: dict[str, Any]) -> "Mapping":
        sections = {"source", "csv", "time", "columns", "values"}
        if unknown := set(data) - sections:
            raise MappingError(f"unknown section(s): {', '.join(sorted(unknown))}")
        flat: dict[str, Any] = {"columns": dict(data.get("columns", {}))}
        for section in ("source", "csv", "time", "values"):
            for key, value in data.get(section, {}).items():
                name = {"format": "time_format"}.get(key, key) if section == "time" else key
                if name not in cls.__dataclass_fields__ or name in ("columns", "tz"):
                    raise MappingError(f"unknown setting [{section}] {key}")
                flat[name] = tuple(value) if isinstance(value, list) else value
        try:
            return cls(**flat)
        except TypeError as error:
            raise MappingError(str(error)) from None


def generic_record(row: dict[str, str], mapping: Mapping) -> CallRecord | Skip:
    """One row (keyed by the header) as a call, or why it is left out."""

    def value(role: str) -> str:
        column = mapping.columns.get(role)
        if column is None:
            return ""
        if isinstance(column, list):
            return "-".join(row.get(c, "").strip() for c in column)
        return row.get(column, "").strip()

    outcome = value("outcome")
    if outcome and outcome in mapping.skip:
        return Skip(f"outcome {outcome}")
    try:
        day = row.get(mapping.date_column, "").strip() if mapping.date_column else ""
        times = _times({role: value(role) for role in TIMES}, day, mapping)
    except ValueError:
        return Skip("bad time")
    if times["arrival"] is None or not value("id"):
        return Skip("no id or arrival")
    agent = value("agent")
    agent_id = None if agent in mapping.no_agent else operator_id(agent)
    raw_direction = value("direction")
    direction = mapping.direction
    if raw_direction:
        direction = "outbound" if raw_direction.lower() in mapping.outbound else "inbound"
    answered = outcome in mapping.answered if mapping.answered else times["answer"] is not None
    return CallRecord(
        id=value("id"),
        direction=direction,
        queue=value("queue") or None,
        agent=agent_id,
        answered=answered,
        abandoned=bool(outcome) and outcome in mapping.abandoned,
        outcome=outcome or None,
        client_phone=_unless(value("client_phone"), mapping.no_client),
        client_id=_unless(value("client_id"), mapping.no_client),
        **times,  # type: ignore[arg-type]
    )


def _unless(text: str, nothing: tuple[str, ...]) -> str | None:
    return None if text in nothing else text


def _times(raw: dict[str, str], day_text: str, mapping: Mapping) -> dict[str, datetime | None]:
    """The record's times (``never`` values: None). With a date column the times are times of
    day on that date: one more than 12 h before the arrival is past midnight; a smaller step
    backwards is a clock's quirk, kept as it is."""
    day = _date(day_text, mapping.date_format) if mapping.date_column else None
    naive: dict[str, datetime | None] = {}
    for role in TIMES:  # the arrival first
        text = raw[role]
        if text in mapping.never:
            naive[role] = None
        elif day is None:
            naive[role] = (
                datetime.strptime(text, mapping.time_format)
                if mapping.time_format
                else datetime.fromisoformat(text)
            )
        else:
            of_day = _time_of_day(text, mapping.time_format or "%H:%M:%S")
            moment = datetime.combine(day, of_day)
            arrival = naive.get("arrival")
            if arrival is not None and moment < arrival - timedelta(hours=12):
                moment += timedelta(days=1)
            naive[role] = moment
    return {
        role: None if m is None else m if m.tzinfo else m.replace(tzinfo=mapping.tz)
        for role, m in naive.items()
    }


# strptime is slow and a call-center export repeats its dates and times of day endlessly
@lru_cache(maxsize=4096)
def _date(text: str, form: str) -> date:
    return datetime.strptime(text, form).date()


@lru_cache(maxsize=100_000)
def _time_of_day(text: str, form: str) -> time:
    return datetime.strptime(text, form).time()
