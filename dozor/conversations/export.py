"""Export of the filtered dialog list to CSV and XLSX.

Rows are read page by page (keyset pages of ``BATCH``), each page in its own short read, so an
export of any size holds one page in memory. CSV streams as it is read. XLSX is a zip written
at its end, so it is built in a temporary file (XlsxWriter's ``constant_memory`` mode keeps one
row in memory) and then streamed. The page runs an export as a job and shows its progress
(rows written of the total) by polling it.
"""

import asyncio
import csv
import io
import logging
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import listing, service
from dozor.conversations.access import Scope
from dozor.conversations.columns import LABELS, NAME_MODELS, Column
from dozor.directory import service as directory_service
from dozor.lib.labels import LABELS as STATE_LABELS
from dozor.live.targets import SlaRules

log = logging.getLogger(__name__)
BATCH = 1000
KEEP = 20  # finished exports kept for download, per app process
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Query:
    """What to export: the list as the caller sees it."""

    dialog_filter: Any
    scope: Scope
    sort: listing.Sort
    columns: list[Column]
    zone: ZoneInfo
    sla: SlaRules
    gettext: Callable[[str], str]


async def batches(
    sessions: async_sessionmaker[AsyncSession], query: Query, *, now: datetime
) -> AsyncIterator[list[list[Any]]]:
    """The rows of the export as typed values, a page at a time."""
    cursor: str | None = None
    while True:
        async with sessions() as session:
            page = await listing.page(
                session,
                dialog_filter=query.dialog_filter,
                scope=query.scope,
                now=now,
                zone=query.zone,
                sla=query.sla,
                sort=query.sort,
                cursor=cursor,
                limit=BATCH,
            )
            items = [
                service.as_dict(r.number, service.state_of(r), now, query.sla) for r in page.rows
            ]
            names = await _names(session, items, query.columns)
        yield [values(item, query, names) for item in items]
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


async def _names(session: AsyncSession, items: list[dict], columns: list[Column]) -> dict:
    names = {}
    for column in columns:
        if column.kind == "name":
            ids = {item[column.key] for item in items if item.get(column.key)}
            names[column.key] = await directory_service.names(session, NAME_MODELS[column.key], ids)
    return names


def values(item: dict[str, Any], query: Query, names: dict[str, dict[str, str]]) -> list[Any]:
    """One conversation's cells: numbers stay numbers, times are on the center's clock."""
    gettext = query.gettext
    found: list[Any] = []
    for column in query.columns:
        value = _value(item, column.key)
        if value is None:
            found.append(None)
        elif column.kind == "name":
            found.append(names.get(column.key, {}).get(value, value))
        elif column.kind == "label":
            text = (STATE_LABELS.get(column.key) or LABELS.get(column.key, {})).get(value)
            found.append(gettext(text) if text else value)
        elif column.kind == "flag":
            flag = LABELS["flag"]["true" if value else "false"]
            found.append(gettext(flag))
        elif column.kind == "date":
            found.append(value.astimezone(query.zone).replace(tzinfo=None))
        else:
            found.append(value)
    return found


def _value(item: dict[str, Any], key: str) -> Any:
    if key.startswith("client_") and key != "client_rating":
        return item["client"][key.removeprefix("client_")]
    return item[key]


def header(query: Query) -> list[str]:
    return [query.gettext(column.title) for column in query.columns]


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    text = str(value)
    # a cell that starts like a formula would run in a spreadsheet: client texts are anyone's
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_line(cells: list[Any]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow([_csv_cell(cell) for cell in cells])
    return buffer.getvalue().encode()


async def stream_csv(
    sessions: async_sessionmaker[AsyncSession],
    query: Query,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> AsyncIterator[bytes]:
    """The CSV, line by line (UTF-8 with a BOM, so spreadsheets read Cyrillic right)."""
    yield "\ufeff".encode() + csv_line(header(query))
    written = 0
    async for rows in batches(sessions, query, now=now):
        yield b"".join(csv_line(row) for row in rows)
        written += len(rows)
        if progress is not None:
            progress(written)


async def write_xlsx(
    sessions: async_sessionmaker[AsyncSession],
    query: Query,
    path: str,
    *,
    now: datetime,
    progress: Callable[[int], None] | None = None,
) -> None:
    """The XLSX file at ``path``: one sheet, a bold header, real numbers and dates."""
    book = xlsxwriter.Workbook(path, {"constant_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write_row(0, 0, header(query), bold)
    written = 0
    async for rows in batches(sessions, query, now=now):
        await asyncio.to_thread(_xlsx_rows, sheet, rows, written + 1, when)
        written += len(rows)
        if progress is not None:
            progress(written)
    await asyncio.to_thread(book.close)


def _xlsx_rows(sheet: Any, rows: list[list[Any]], first: int, when: Any) -> None:
    for offset, row in enumerate(rows):
        for col, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, datetime):
                sheet.write_datetime(first + offset, col, value, when)
            elif isinstance(value, bool):
                sheet.write_boolean(first + offset, col, value)
            elif isinstance(value, int | float):
                sheet.write_number(first + offset, col, value)
            else:
                sheet.write_string(first + offset, col, str(value))


async def stream_file(path: str, *, remove: bool) -> AsyncIterator[bytes]:
    try:
        with open(path, "rb") as file:  # noqa: ASYNC230 (small reads of a local file)
            while chunk := file.read(256 * 1024):
                yield chunk
    finally:
        if remove:
            os.unlink(path)


def temporary_path(suffix: str) -> str:
    handle, path = tempfile.mkstemp(prefix="dozor-export-", suffix=suffix)
    os.close(handle)
    return path


# -- export jobs: the page's exports, with progress ------------------------------------------


@dataclass
class Job:
    id: str
    user_id: int
    format: str
    total: int
    path: str
    written: int = 0
    done: bool = False
    failed: bool = False
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def filename(self) -> str:
        return f"conversations.{self.format}"


class Exports:
    """The running and finished exports of one app process (kept until the app stops)."""

    def __init__(self) -> None:
        self.jobs: dict[str, Job] = {}

    def start(
        self,
        sessions: async_sessionmaker[AsyncSession],
        query: Query,
        *,
        user_id: int,
        fmt: str,
        total: int,
        now: datetime,
    ) -> Job:
        self._prune()
        job = Job(uuid.uuid4().hex, user_id, fmt, total, temporary_path(f".{fmt}"))
        job.task = asyncio.create_task(self._run(job, sessions, query, now))
        self.jobs[job.id] = job
        return job

    async def _run(
        self, job: Job, sessions: async_sessionmaker[AsyncSession], query: Query, now: datetime
    ) -> None:
        def progress(written: int) -> None:
            job.written = written

        try:
            if job.format == "xlsx":
                await write_xlsx(sessions, query, job.path, now=now, progress=progress)
            else:
                with open(job.path, "wb") as file:  # noqa: ASYNC230
                    async for chunk in stream_csv(sessions, query, now=now, progress=progress):
                        file.write(chunk)
            job.done = True
        except Exception:
            job.failed = True
            log.exception("export %s failed", job.id)

    def _prune(self, keep: int = KEEP) -> None:
        """Forget the oldest finished exports (and their files) beyond the last ``keep``."""
        finished = [job for job in self.jobs.values() if job.done or job.failed]
        for job in finished[: max(0, len(finished) - keep)]:
            del self.jobs[job.id]
            if os.path.exists(job.path):
                os.unlink(job.path)

    def get(self, job_id: str, user_id: int) -> Job | None:
        job = self.jobs.get(job_id)
        return job if job is not None and job.user_id == user_id else None

    async def close(self) -> None:
        for job in self.jobs.values():
            if job.task is not None and not job.task.done():
                job.task.cancel()
            if os.path.exists(job.path):
                os.unlink(job.path)
        self.jobs.clear()


def exports_of(state: Any) -> Exports:
    """The app's exports, made on first use (their files go when the app stops)."""
    if getattr(state, "dialog_exports", None) is None:
        state.dialog_exports = Exports()
        state.shutdown_hooks.append(lambda app: app.state.dialog_exports.close())
    return state.dialog_exports
