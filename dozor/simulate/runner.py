"""Release the simulation's events to the writer as the clock reaches them, and run that inside
the app's lifespan for ``dozor demo``.

The events go through the same path an integration's do: JSON, the contract's validation, the
single writer. A batch the writer could not store stays pending and is tried again next tick.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from fastapi import FastAPI
from pydantic import TypeAdapter

from dozor.clock import Clock
from dozor.events import contract as c
from dozor.events.ingest import Rejected
from dozor.events.writer import Writer
from dozor.simulate.engine import Simulation

log = logging.getLogger(__name__)
_events = TypeAdapter(list[c.Event])


@dataclass
class Runner:
    simulation: Simulation
    writer: Writer
    clock: Clock
    interval: float = 0.25  # real seconds between two releases
    batch: int = 500
    released_until: datetime | None = None
    stored: int = 0
    _pending: list[dict[str, Any]] = field(default_factory=list)

    @property
    def pending(self) -> int:
        """Events due but not stored yet."""
        return len(self._pending)

    async def step(self) -> None:
        """Submit every event whose time has come, oldest first."""
        now = self.clock.now()
        seconds = (now - self.simulation.start).total_seconds()
        self._pending.extend(self.simulation.advance(seconds))
        while self._pending:
            chunk = self._pending[: self.batch]
            await self.writer.submit(_events.validate_json(orjson.dumps(chunk)))
            del self._pending[: len(chunk)]
            self.stored += len(chunk)
        self.released_until = now

    async def run(self) -> None:
        """Step every ``interval`` seconds until cancelled."""
        while True:
            try:
                await self.step()
            except Rejected as rejected:  # a bug of the simulation: say so, drop the batch
                log.error("demo events rejected: %s", rejected.errors[:5])
                del self._pending[: self.batch]
            except Exception:
                log.exception("demo events not stored; trying again")
            await asyncio.sleep(self.interval)


def attach(app: FastAPI, simulation: Simulation) -> None:
    """Feed ``app`` from ``simulation`` while it serves, against the app's own clock: the
    runner starts once the writer runs and is cancelled before the writer drains."""

    async def start(app: FastAPI) -> None:
        app.state.demo_runner = Runner(simulation, app.state.writer, app.state.clock)
        app.state.demo_task = asyncio.create_task(app.state.demo_runner.run(), name="dozor-demo")

    async def stop(app: FastAPI) -> None:
        await _cancel(getattr(app.state, "demo_task", None))

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)


async def _cancel(task: "asyncio.Task[None] | None") -> None:
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
