"""Reading queue_log: the file Asterisk writes, and the ``queue_log`` table exported to CSV/TSV.

The file: ``epoch|callid|queuename|agent|event|data1|…|data5``, one line each, epoch in UTC
seconds. The table export: a header naming ``time, callid, queuename, agent, event`` and either
``data1``…``data5`` or one ``data`` column holding them joined by ``|`` (older schemas); ``time``
is an epoch, or a date and time — with an offset, or else in the given time zone (Asterisk writes
the table in the PBX's local time).
"""

import csv
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo

from dozor.connectors.asterisk.emit import digest

TABLE_COLUMNS = ("time", "callid", "queuename", "agent", "event")


@dataclass(frozen=True, slots=True)
class Record:
    ts: datetime
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]
    key: str  # a digest of the record's fields: the root of its events' ids

    def arg(self, number: int) -> str:
        """``data<number>``, 1-based, or "" when absent."""
        return self.data[number - 1].strip() if number <= len(self.data) else ""


def _record(ts: datetime, fields: list[str]) -> Record:
    callid, queue, agent, event, *data = (f.strip() for f in fields)
    while data and not data[-1]:
        data.pop()
    canonical = "|".join(
        [ts.astimezone(UTC).isoformat(), callid, queue, agent, event.upper(), *data]
    )
    return Record(ts, callid, queue, agent, event.upper(), tuple(data), digest(canonical))


def parse_time(text: str, tz: tzinfo) -> datetime:
    """An epoch (``1709362800`` or ``1709362800.25``) or a date and time, naive ones in ``tz``."""
    text = text.strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def parse_line(line: str) -> Record | None:
    """One line of the queue_log file; None when it is not one (a torn or foreign line)."""
    fields = line.rstrip("\r\n").split("|")
    if len(fields) < 5 or not fields[4].strip():
        return None
    try:
        ts = datetime.fromtimestamp(float(fields[0]), UTC)
    except (ValueError, OverflowError, OSError):
        return None
    return _record(ts, fields[1:])


def looks_like_file(first_line: str) -> bool:
    """True for the file form (``epoch|…``), False for a table export with a header."""
    fields = first_line.split("|")
    if len(fields) < 5:
        return False
    try:
        float(fields[0])
    except ValueError:
        return False
    return True


class TableReader:
    """Rows of a table export, one text line at a time (the importer tracks byte offsets)."""

    def __init__(self, header_line: str, tz: tzinfo) -> None:
        header = header_line.lstrip("\ufeff").rstrip("\r\n")
        self.delimiter = next((d for d in ("\t", ";", ",") if d in header), ",")
        columns = next(csv.reader([header], delimiter=self.delimiter))
        names = [n.strip().strip('"').lower() for n in columns]
        missing = [n for n in TABLE_COLUMNS if n not in names]
        if missing:
            raise ValueError(f"the table export lacks the column(s) {', '.join(missing)}")
        self.index = {name: names.index(name) for name in TABLE_COLUMNS}
        self.data = [names.index(f"data{n}") for n in range(1, 6) if f"data{n}" in names]
        self.joined = names.index("data") if "data" in names and not self.data else None
        self.tz = tz

    def parse(self, line: str) -> Record | None:
        row = next(csv.reader([line.rstrip("\r\n")], delimiter=self.delimiter), [])
        try:
            fields = [row[self.index[name]] for name in TABLE_COLUMNS]
            ts = parse_time(fields[0], self.tz)
        except (IndexError, ValueError, OverflowError, OSError):
            return None
        if not fields[4].strip():
            return None
        if self.joined is not None:
            data = row[self.joined].split("|") if self.joined < len(row) else []
        else:
            data = [row[i] if i < len(row) else "" for i in self.data]
        return _record(ts, [*fields[1:], *data])
