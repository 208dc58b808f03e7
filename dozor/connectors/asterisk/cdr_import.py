"""``dozor asterisk import-cdr FILE``: call records (Master.csv or a mapped CSV) as events.

Idempotent: a call's events are named after its record id (``<channel>-<id>-accepted``…), so
importing a file again stores nothing new.
"""

import csv
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import tzinfo
from itertools import islice
from pathlib import Path

from rich.console import Console

from dozor.connectors import Sink
from dozor.connectors.asterisk.calls import CallRecord, call_events
from dozor.connectors.asterisk.cdr import Mapping, MappingError, generic_record, master_record
from dozor.connectors.asterisk.counts import Counts
from dozor.connectors.asterisk.importer import progress_bar
from dozor.connectors.asterisk.mapping import Skip
from dozor.connectors.asterisk.profiles import PROFILES
from dozor.events import contract as c

RowParser = Callable[[str], CallRecord | Skip | None]  # None: a line that is no row (the header)


def master_parser(*, tz: tzinfo, outbound_contexts: tuple[str, ...]) -> RowParser:
    def parse(line: str) -> CallRecord | Skip:
        row = next(csv.reader([line]), [])
        return master_record(row, tz=tz, outbound_contexts=outbound_contexts)

    return parse


def generic_parser(mapping: Mapping) -> RowParser:
    header: list[str] = []

    def parse(line: str) -> CallRecord | Skip | None:
        row = next(csv.reader([line], delimiter=mapping.delimiter), [])
        if not header:
            header.extend(name.strip().lstrip("\ufeff") for name in row)
            return None
        return generic_record(dict(zip(header, row, strict=False)), mapping)

    return parse


@dataclass(frozen=True)
class Source:
    """How to read the files of one import: a parser per file, and the default channel."""

    parser: Callable[[], RowParser]
    channel: str

    @classmethod
    def master(cls, *, tz: tzinfo, outbound_contexts: tuple[str, ...]) -> "Source":
        return cls(lambda: master_parser(tz=tz, outbound_contexts=outbound_contexts), "asterisk")

    @classmethod
    def generic(cls, *, mapping: Path | None, profile: str | None) -> "Source":
        """From a TOML mapping file or a built-in profile; ``MappingError`` when it is bad."""
        if profile is not None:
            described = PROFILES[profile]
        else:
            assert mapping is not None
            try:
                data = tomllib.loads(mapping.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise MappingError(f"{mapping}: {error}") from None
            described = Mapping.from_toml(data)
        return cls(lambda: generic_parser(described), described.channel)


def _events(
    lines: list[str], parse: RowParser, *, channel: str, direction: str, counts: Counts
) -> list[c.Event]:
    events: list[c.Event] = []
    for line in lines:
        line = line.rstrip("\r\n")
        if not line.strip() or (record := parse(line)) is None:
            continue
        counts.records += 1
        if isinstance(record, Skip):
            counts.skipped[record.reason] += 1
        elif direction not in ("all", record.direction):
            counts.skipped[f"{record.direction} call"] += 1
        else:
            events += call_events(record, channel=channel)
    return events


async def import_calls(
    sink: Sink,
    files: list[Path],
    *,
    parser: Callable[[], RowParser],
    channel: str,
    direction: str = "all",
    batch: int = 2000,
    console: Console | None = None,
) -> Counts:
    """Each file with a fresh ``parser()``: ``batch`` rows per transaction."""
    counts = Counts()
    with progress_bar(console) as progress:
        task = progress.add_task("calls", total=sum(f.stat().st_size for f in files))
        for file in files:
            progress.update(task, description=file.name)
            parse = parser()
            with file.open("rb") as handle:
                while lines := list(islice(handle, batch)):
                    text = [line.decode("utf-8", errors="replace") for line in lines]
                    events = _events(
                        text, parse, channel=channel, direction=direction, counts=counts
                    )
                    counts.stored(await sink.submit(events))
                    progress.advance(task, sum(len(line) for line in lines))
    return counts
