"""``dozor ingest FILE``: a JSON Lines file of events through the writer, resumable."""

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from dozor.clock import SystemClock
from dozor.config import Settings
from dozor.db import create_engine, write_sessionmaker
from dozor.events import contract as c
from dozor.events.ingest import Rejected
from dozor.events.writer import Writer
from dozor.migrate import upgrade


class IngestFileError(Exception):
    pass


@dataclass
class Counts:
    accepted: int = 0
    duplicates: int = 0


def progress_path(file: Path) -> Path:
    return file.with_name(file.name + ".progress")


def _parse(lines: list[tuple[int, bytes]]) -> list[c.Event]:
    events, problems = [], []
    for number, line in lines:
        try:
            events.append(c.event_adapter.validate_json(line))
        except ValidationError as error:
            for detail in error.errors():
                problem = c.explain(detail, loc=detail["loc"])
                problems.append(f"line {number}: {problem['field']}: {problem['reason']}")
    if problems:
        raise IngestFileError("nothing of this batch was stored:\n" + "\n".join(problems[:20]))
    return events


async def ingest_file(settings: Settings, file: Path, *, batch: int, restart: bool) -> Counts:
    """1. Skip to the saved position. 2. Validate ``batch`` lines. 3. Commit them through the
    writer. 4. Save the position after the commit. A crash between 3 and 4 re-sends a batch,
    which the event ids make harmless."""
    checkpoint = progress_path(file)
    start = 0 if restart or not checkpoint.exists() else int(checkpoint.read_text() or 0)
    engine = create_engine(settings)
    await upgrade(settings, engine=engine)
    writer = Writer(write_sessionmaker(engine), SystemClock(), max_events=max(batch, 1))
    writer.start()
    counts = Counts()
    try:
        with file.open("rb") as handle, _progress() as progress:
            task = progress.add_task(file.name, total=file.stat().st_size, completed=start)
            handle.seek(start)
            number = _line_number(file, start)
            while True:
                lines: list[tuple[int, bytes]] = []
                while len(lines) < batch and (line := handle.readline()):
                    number += 1
                    if line.strip():
                        lines.append((number, line))
                if not lines:
                    break
                try:
                    result = await writer.submit(_parse(lines))
                except Rejected as rejected:
                    reasons = [
                        f"line {lines[e['index']][0]}: {e['field']}: {e['reason']}"
                        for e in rejected.errors
                    ]
                    raise IngestFileError(
                        "nothing of this batch was stored:\n" + "\n".join(reasons)
                    ) from None
                counts.accepted += result.accepted
                counts.duplicates += result.duplicates
                checkpoint.write_text(str(handle.tell()))
                progress.update(task, completed=handle.tell())
    finally:
        await writer.stop()
        await engine.dispose()
    return counts


def _line_number(file: Path, offset: int) -> int:
    if not offset:
        return 0
    with file.open("rb") as handle:
        return handle.read(offset).count(b"\n")


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
