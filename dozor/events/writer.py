"""The writer: every ingest path hands its batch here, and its tasks commit them.

Batches that arrive while a transaction is open wait and then share the next one (group commit):
many small requests, one fsync. A batch's caller is answered only after its commit.

On SQLite one task writes. On PostgreSQL ``concurrency`` tasks do, each with a group commit of
its own, so one group's Python runs while the database stores another's. Groups that touch the
same conversation or operator take turns (``ingest`` locks them); commits and what follows them
(answers, listeners) keep one order, the order in which the database committed.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import Clock
from dozor.events import contract as c
from dozor.events.ingest import StoreResult, store_batches

log = logging.getLogger(__name__)
CommitListener = Callable[[list[StoreResult]], Awaitable[None]]
# A connector's position in its source, written by the writer inside the transaction that stores
# the events read up to it: both are committed, or neither is (dozor/connectors/offsets.py).
Checkpoint = Callable[[AsyncSession], Awaitable[None]]


@dataclass
class _Submission:
    events: list[c.Event]
    done: asyncio.Future[StoreResult]
    checkpoint: Checkpoint | None = None


@dataclass
class Writer:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    max_events: int = 5000
    concurrency: int = 1
    listeners: list[CommitListener] = field(default_factory=list)
    _queue: asyncio.Queue[_Submission | None] = field(default_factory=asyncio.Queue)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)
    _idle: int = 0  # tasks waiting for a submission
    # held from a commit until its answers and listeners are done: they follow the commits' order
    _in_order: asyncio.Lock = field(default_factory=asyncio.Lock)

    def start(self) -> None:
        self._tasks = [
            asyncio.create_task(self._run(), name=f"dozor-writer-{n}")
            for n in range(self.concurrency)
        ]

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        for _ in self._tasks:
            await self._queue.put(None)  # each task stops at the first it takes
        await asyncio.gather(*self._tasks)
        self._tasks = []

    async def submit(
        self, events: list[c.Event], *, checkpoint: Checkpoint | None = None
    ) -> StoreResult:
        """Store ``events`` durably; raises ``Rejected`` when the batch is bad.

        ``checkpoint`` runs in the same transaction once the batch is stored (duplicates and an
        empty batch included), never when it is rejected.
        """
        if not self._tasks or any(task.done() for task in self._tasks):
            raise RuntimeError("the writer is not running")
        done: asyncio.Future[StoreResult] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Submission(events, done, checkpoint))
        return await done

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            self._idle += 1
            first = await self._queue.get()
            self._idle -= 1
            if first is None:
                return
            # what waits is shared with the tasks that wait too: while this group is in the
            # database, theirs are being prepared (one task taking all would leave none to do)
            share = -(-(1 + self._queue.qsize()) // (1 + self._idle))
            group, size = [first], len(first.events)
            while size < self.max_events and len(group) < share and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                group.append(item)
                size += len(item.events)
            await self._commit(group)

    async def _commit(self, group: list[_Submission]) -> None:
        outcomes: list[StoreResult | BaseException] = []
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self.sessions() as session:
                    outcomes = await self._store(session, group)
                    async with self._in_order:
                        await session.commit()
                        await self._answer(group, outcomes)
                return
            except Exception as error:  # rolled back: nothing of the group is stored
                if attempt < ATTEMPTS and _is_conflict(error):
                    log.info("writers met on the same rows (%s); storing the group again", error)
                    continue
                log.exception("writer transaction failed")
                async with self._in_order:
                    await self._answer(group, [error] * len(group))
                return

    async def _store(
        self, session: AsyncSession, group: list[_Submission]
    ) -> list[StoreResult | BaseException]:
        outcomes: list[StoreResult | BaseException] = list(
            await store_batches(session, [s.events for s in group], received_at=self.clock.now())
        )
        for submission, outcome in zip(group, outcomes, strict=True):
            if submission.checkpoint is not None and isinstance(outcome, StoreResult):
                await submission.checkpoint(session)
        return outcomes

    async def _answer(
        self, group: list[_Submission], outcomes: list[StoreResult | BaseException]
    ) -> None:
        for submission, outcome in zip(group, outcomes, strict=True):
            if submission.done.cancelled():
                continue
            if isinstance(outcome, BaseException):
                submission.done.set_exception(outcome)
            else:
                submission.done.set_result(outcome)
        results = [o for o in outcomes if isinstance(o, StoreResult) and o.accepted]
        for listener in self.listeners:
            if results:
                try:
                    await listener(results)
                except Exception:
                    log.exception("commit listener failed")


# A group that met another writer's on the same rows in a way the locks do not order (a deadlock,
# or one event id in two groups that lock different conversations) is stored again: it then sees
# what the other committed.
ATTEMPTS = 3
_CONFLICTS = {"40P01", "40001", "23505"}  # deadlock, serialization failure, unique violation


def _is_conflict(error: BaseException) -> bool:
    code = getattr(error, "sqlstate", None) or getattr(
        getattr(error, "orig", None), "sqlstate", None
    )
    return code in _CONFLICTS
