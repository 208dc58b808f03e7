"""The holder of the live state: fed by the writer's commits, woken by deadlines, and the
source of the frames every open console draws.

Three tasks run beside the app:

- the **publisher** turns changes into frames: the first change after a quiet spell makes a
  frame at once, later ones are gathered for ``frame_interval`` seconds (coalescing), so a
  console redraws at most that often however many events arrive;
- the **deadline watch** sleeps until the next deadline (at most ``poll`` seconds, so that a
  clock moved by hand, a test's or the demo's, is noticed too) and flips what passed; it also
  makes a frame every ``tick`` seconds, for the values that change with time alone (waits);
- the **housekeeper** reads the directory again (names, memberships, capacities, rules that
  are not events) and forgets what no window reaches any more.
"""

import asyncio
import contextlib
import gc
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import Clock
from dozor.events.ingest import StoreResult
from dozor.live import loader, sla_service
from dozor.live.state import GroupInfo, LiveState

log = logging.getLogger(__name__)
SETTLE_FROM = 10_000  # conversations held: from here the collector's full walks would stall


@dataclass
class LiveStore:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    timezone: str
    wrapup_limit: float
    frame_interval: float = 0.2
    poll: float = 0.25
    tick: float = 5.0
    housekeeping: float = 10.0
    state: LiveState = field(default_factory=LiveState)
    frame: int = 0
    closing: bool = False
    _pending: list[StoreResult] | None = None  # commits seen while rebuilding
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _next_frame: asyncio.Event = field(default_factory=asyncio.Event)  # set when it is made
    _tasks: list["asyncio.Task[None]"] = field(default_factory=list)

    async def start(self) -> None:
        await self.rebuild()
        for name, loop in (
            ("publisher", self._publish),
            ("deadlines", self._watch_deadlines),
            ("housekeeper", self._keep_house),
        ):
            self._tasks.append(asyncio.create_task(_forever(loop), name=f"dozor-live-{name}"))

    async def stop(self) -> None:
        self.closing = True
        self._next_frame.set()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def rebuild(self) -> None:
        """Read everything from the database again. Commits that land meanwhile are kept and
        applied on top: whether the read saw them or not, their folded states are newer."""
        self._pending = []
        try:
            async with self.sessions() as session:
                state = await loader.load(
                    session,
                    now=self.clock.now(),
                    timezone=self.timezone,
                    wrapup_limit=self.wrapup_limit,
                )
            self.state = state
            await self._apply(self._pending)
            self._settle()
        finally:
            self._pending = None
        self.changed()

    async def reload_sla(self) -> None:
        """Targets or business hours were changed: every deadline is computed again."""
        async with self.sessions() as session:
            rules = await sla_service.rules(session, timezone=self.timezone)
        self.state.set_sla(rules, self.clock.now())
        self.changed()

    async def on_commit(self, results: list[StoreResult]) -> None:
        """The writer's listener: the states its commit folded go into the live state."""
        if self._pending is not None:
            self._pending.extend(results)
            return
        await self._apply(results)
        self.changed()

    async def _apply(self, results: list[StoreResult]) -> None:
        now, state, late = self.clock.now(), self.state, []
        for result in results:
            for conversation in result.conversations:
                for group_id in {conversation.group_id, conversation.queue_group_id} - {None}:
                    state.groups.setdefault(group_id, GroupInfo(group_id))  # type: ignore[arg-type]
                if conversation.operator_id is not None:
                    state.operator(conversation.operator_id)
                state.put(conversation, now)
            for operator_id, status in result.operators.items():
                if not state.put_status(operator_id, status):
                    late.append(operator_id)
        if late:  # a status event that arrived late: its operator's history is read again
            async with self.sessions() as session:
                since = self._horizon(now)
                found = await loader.status_changes(session, since=since, operator_ids=late)
            for operator_id in late:
                state.set_statuses(operator_id, found.get(operator_id, []))

    def changed(self) -> None:
        self._changed.set()

    async def next_frame(self, seen: int, timeout: float) -> int:
        """Wait for a frame after ``seen`` (or ``timeout`` seconds); the newest frame."""
        if self.frame <= seen and not self.closing:
            # an event, not a condition: a stream cancelled while waiting holds no lock
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._next_frame.wait(), timeout)
        return self.frame

    def _horizon(self, now: datetime) -> datetime:
        return loader.horizon(now, timezone=self.timezone, wrapup_limit=self.wrapup_limit)

    async def _publish(self) -> None:
        await self._changed.wait()
        self._changed.clear()
        self.frame += 1
        made, self._next_frame = self._next_frame, asyncio.Event()
        made.set()
        await asyncio.sleep(self.frame_interval)

    async def _watch_deadlines(self) -> None:
        loop = asyncio.get_running_loop()
        last_tick = loop.time()
        while True:  # until cancelled (a return here would spin `_forever`)
            now = self.clock.now()
            if self.state.flip(now):
                self.changed()
            if loop.time() - last_tick >= self.tick:
                last_tick = loop.time()
                self.changed()
            due = self.state.deadlines.next_due()
            wait = self.poll if due is None else (due - now).total_seconds() + 0.001
            await asyncio.sleep(min(max(wait, 0.001), self.poll))

    async def _keep_house(self) -> None:
        await asyncio.sleep(self.housekeeping)
        async with self.sessions() as session:
            if await loader.load_directory(session, self.state):
                self.changed()
        now = self.clock.now()
        self.state.prune(self._horizon(now), now)
        self._settle()

    def _settle(self) -> None:
        if len(self.state.items) >= SETTLE_FROM:
            settle()


def settle() -> None:
    """Take what lives on out of the garbage collector's sight.

    A large live state is hundreds of thousands of small objects without cycles, freed by
    reference counting alone; a full collection walking them all stalls the event loop (0.3 s
    for 100,000 conversations: every console late). The young generations are collected first,
    so that what is frozen is what is alive. Only for a large state (``SETTLE_FROM``): a cycle
    frozen while alive is never collected once it dies, which a small state does not need to
    risk (the tests start hundreds of apps in one process).
    """
    gc.collect(1)
    gc.freeze()


async def _forever(step: Callable[[], Awaitable[None]]) -> None:
    """Run ``step`` again and again; a failure is logged and the loop goes on."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("live state: %s failed; going on", step.__name__)
            await asyncio.sleep(1)


def of(app: FastAPI) -> LiveStore:
    return app.state.live


async def start(app: FastAPI) -> None:
    """Startup hook: build the live state, follow the writer's commits."""
    state = app.state
    state.live = LiveStore(
        state.sessions,
        state.clock,
        timezone=state.settings.timezone,
        wrapup_limit=state.settings.wrapup_limit,
    )
    state.writer.listeners.append(state.live.on_commit)  # before the read: no commit is missed
    await state.live.start()


async def stop(app: FastAPI) -> None:
    if (live := getattr(app.state, "live", None)) is not None:
        app.state.writer.listeners.remove(live.on_commit)
        await live.stop()
