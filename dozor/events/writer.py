"""The single writer: every ingest path hands its batch here, and one task commits them.

Batches that arrive while a transaction is open wait and then share the next one (group commit):
many small requests, one fsync. A batch's caller is answered only after its commit.
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
    listeners: list[CommitListener] = field(default_factory=list)
    _queue: asyncio.Queue[_Submission | None] = field(default_factory=asyncio.Queue)
    _task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="dozor-writer")

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        await self._queue.put(None)
        await self._task
        self._task = None

    async def submit(
        self, events: list[c.Event], *, checkpoint: Checkpoint | None = None
    ) -> StoreResult:
        """Store ``events`` durably; raises ``Rejected`` when the batch is bad.

        ``checkpoint`` runs in the same transaction once the batch is stored (duplicates and an
        empty batch included), never when it is rejected.
        """
        if self._task is None or self._task.done():
            raise RuntimeError("the writer is not running")
        done: asyncio.Future[StoreResult] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Submission(events, done, checkpoint))
        return await done

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            if first is None:
                return
            group, size = [first], len(first.events)
            while size < self.max_events and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                    break
                group.append(item)
                size += len(item.events)
            await self._commit(group)

    async def _commit(self, group: list[_Submission]) -> None:
        outcomes: list[StoreResult | BaseException]
        try:
            async with self.sessions() as session, session.begin():
                outcomes = list(
                    await store_batches(
                        session, [s.events for s in group], received_at=self.clock.now()
                    )
                )
                for submission, outcome in zip(group, outcomes, strict=True):
                    if submission.checkpoint is not None and isinstance(outcome, StoreResult):
                        await submission.checkpoint(session)
        except Exception as error:  # the transaction rolled back: nothing of the group is stored
            log.exception("writer transaction failed")
            outcomes = [error] * len(group)
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
