"""``dozor asterisk import-queue-log FILE…``: queue_log files or table exports through the writer.

Importing is idempotent: the events' ids derive from the records, so a second import of the same
file (or of a file that overlaps it) stores nothing new.
"""

from datetime import tzinfo
from itertools import islice
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from dozor.connectors import Sink
from dozor.connectors.asterisk.counts import Counts
from dozor.connectors.asterisk.mapping import Skip, map_record
from dozor.connectors.asterisk.queue_log import TableReader, looks_like_file, parse_line
from dozor.events import contract as c


class LineMapper:
    """Lines of one queue_log, in the form its first line shows, as events."""

    def __init__(self, *, channel: str, tz: tzinfo, counts: Counts, form: str = "auto") -> None:
        self.channel, self.tz, self.counts, self.form = channel, tz, counts, form
        self.table: TableReader | None = None
        self.started = False

    def events(self, lines: list[str]) -> list[c.Event]:
        events: list[c.Event] = []
        for line in lines:
            if not line.strip():
                continue
            if not self.started:
                self.started = True
                if self.form == "table" or (self.form == "auto" and not looks_like_file(line)):
                    self.table = TableReader(line, self.tz)
                    continue
            record = self.table.parse(line) if self.table else parse_line(line)
            if record is None:
                self.counts.malformed += 1
                continue
            self.counts.records += 1
            mapped = map_record(record, channel=self.channel)
            if isinstance(mapped, Skip):
                self.counts.skipped[mapped.reason] += 1
            else:
                events.extend(mapped)
        return events


async def import_files(
    sink: Sink,
    files: list[Path],
    *,
    channel: str,
    tz: tzinfo,
    form: str = "auto",
    batch: int = 2000,
    console: Console | None = None,
) -> Counts:
    """1. Read ``batch`` lines. 2. Map them. 3. Commit their events. Repeat, file after file."""
    counts = Counts()
    with progress_bar(console) as progress:
        task = progress.add_task("queue_log", total=sum(f.stat().st_size for f in files))
        for file in files:
            progress.update(task, description=file.name)
            mapper = LineMapper(channel=channel, tz=tz, counts=counts, form=form)
            with file.open("rb") as handle:
                while lines := list(islice(handle, batch)):
                    text = [line.decode("utf-8", errors="replace") for line in lines]
                    counts.stored(await sink.submit(mapper.events(text)))
                    progress.advance(task, sum(len(line) for line in lines))
    return counts


def progress_bar(console: Console | None) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
    )
