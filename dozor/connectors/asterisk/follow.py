"""``dozor asterisk follow-queue-log FILE``: the live queue_log, exactly once across restarts.

The byte offset reached is stored (``connector_offsets``) by the very transaction that stores the
events of the lines before it, so a follower killed at any moment resumes at the first line whose
events are not stored: nothing lost, nothing sent twice. A line is read only once it ends with a
newline: Asterisk may be halfway through writing it.

A file is known by its device, inode and first line. Rotation by renaming (logrotate's default)
shows as a new inode at the path: the old file is read to its end, then the new one from its top.
Rotation by copy and truncate shows as a file shorter than the offset, or with another first line:
it is read again from its top. After a restart the stored file is looked for among the rotated
siblings (``queue_log.1``, ``queue_log-20260302``…) so that its unread tail is not lost.
"""

import asyncio
import logging
import os
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import BinaryIO

from dozor.clock import Clock
from dozor.connectors import Sink, offsets
from dozor.connectors.asterisk.counts import Counts
from dozor.connectors.asterisk.emit import digest
from dozor.connectors.asterisk.importer import LineMapper
from dozor.connectors.runtime import pause

log = logging.getLogger(__name__)
COMPRESSED = (".gz", ".bz2", ".xz", ".zst", ".zip")


def head(fd: int) -> str:
    """A digest of the file's first line, or "" while it has none."""
    start = os.pread(fd, 4096, 0)
    end = start.find(b"\n")
    return digest(start[:end].decode("utf-8", "replace")) if end >= 0 else ""


def identity(fd: int) -> str:
    stat = os.fstat(fd)
    return f"{stat.st_dev}:{stat.st_ino}:{head(fd)}"


def same_file(stored: str, current: str) -> bool:
    """The same file: same device and inode, and the same first line where both have one."""
    s_dev, s_ino, s_head = stored.split(":")
    c_dev, c_ino, c_head = current.split(":")
    return (s_dev, s_ino) == (c_dev, c_ino) and (not s_head or not c_head or s_head == c_head)


def find_rotated(path: Path, stored: str) -> Path | None:
    """The sibling of ``path`` that is the stored file: renamed (same inode) or copied (same
    first line)."""
    s_dev, s_ino, s_head = stored.split(":")
    siblings = [
        p
        for p in sorted(path.parent.iterdir())
        if p != path and p.name.startswith(path.name) and p.is_file()
        if not p.name.endswith(COMPRESSED)
    ]
    for sibling in siblings:
        stat = sibling.stat()
        if (str(stat.st_dev), str(stat.st_ino)) == (s_dev, s_ino):
            return sibling
    for sibling in siblings:
        with sibling.open("rb") as handle:
            if s_head and head(handle.fileno()) == s_head:
                return sibling
    return None


@dataclass
class Follower:
    path: Path
    sink: Sink
    clock: Clock
    channel: str
    tz: tzinfo
    batch: int = 500
    interval: float = 0.5
    counts: Counts = field(default_factory=Counts)
    _head: str = ""  # the first line of the file being read, to notice a copytruncate

    @property
    def source(self) -> str:
        return f"asterisk-queue-log:{self.path.resolve()}"[:500]

    async def run(self, stop: asyncio.Event, start: offsets.Position | None) -> None:
        """1. Resume at ``start`` (finishing a rotated file first). 2. Commit complete lines as
        they come. 3. When idle, look for rotation and truncation. Until ``stop`` is set."""
        handle = await self._open(stop, start)
        if handle is None:
            return
        try:
            while not stop.is_set():
                if await self._pump(handle):
                    continue
                await pause(stop, self.interval)
                handle = await self._rotated(handle)
        finally:
            handle.close()

    async def _open(self, stop: asyncio.Event, start: offsets.Position | None) -> BinaryIO | None:
        while not self.path.exists():
            if stop.is_set():
                return None
            await pause(stop, self.interval)
        handle = self.path.open("rb")
        if start is None:
            return handle
        if same_file(start.identity, identity(handle.fileno())):
            if os.fstat(handle.fileno()).st_size >= start.offset:
                handle.seek(start.offset)
            return handle
        if (rotated := find_rotated(self.path, start.identity)) is not None:
            log.info("finishing %s, rotated while stopped", rotated)
            with rotated.open("rb") as old:
                if os.fstat(old.fileno()).st_size >= start.offset:
                    old.seek(start.offset)
                while await self._pump(old, final=True):
                    pass
        else:
            log.warning(
                "%s: the file of the stored position is gone; reading from the top", self.path
            )
        return handle

    async def _pump(self, handle: BinaryIO, *, final: bool = False) -> bool:
        """Commit the events of up to ``batch`` complete lines; False when there were none.
        ``final``: the file will not grow, so a last line without a newline counts too."""
        if not final and self._truncated(handle):
            log.info("%s was truncated: reading it from the top", self.path)
            handle.seek(0)
        lines: list[str] = []
        while len(lines) < self.batch:
            start = handle.tell()
            line = handle.readline()
            if not line:
                break
            if not line.endswith(b"\n") and not final:
                handle.seek(start)
                break
            lines.append(line.decode("utf-8", errors="replace"))
        if not lines:
            return False
        mapper = LineMapper(channel=self.channel, tz=self.tz, counts=self.counts, form="file")
        position = offsets.Position(identity(handle.fileno()), handle.tell())
        result = await self.sink.submit(
            mapper.events(lines),
            checkpoint=offsets.checkpoint(
                source=self.source, position=position, at=self.clock.now()
            ),
        )
        self.counts.stored(result)
        return True

    async def _rotated(self, handle: BinaryIO) -> BinaryIO:
        """The handle to read next: the new file at the path once Asterisk writes to it."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:  # renamed; Asterisk has not opened the new one yet
            return handle
        mine = os.fstat(handle.fileno())
        if (stat.st_dev, stat.st_ino) != (mine.st_dev, mine.st_ino):
            if stat.st_size == 0:
                return handle  # Asterisk may still append to the old one until it reopens
            log.info("%s was rotated: finishing the old file", self.path)
            while await self._pump(handle, final=True):
                pass
            handle.close()
            self._head = ""
            return self.path.open("rb")
        return handle

    def _truncated(self, handle: BinaryIO) -> bool:
        """copytruncate: the file is shorter than our offset, or was refilled past it (its first
        line changed since we last looked)."""
        first = head(handle.fileno())
        self._head = self._head or first
        if os.fstat(handle.fileno()).st_size < handle.tell() or (first and first != self._head):
            self._head = first
            return True
        return False
