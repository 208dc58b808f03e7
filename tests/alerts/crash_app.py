"""Dozor in a process of its own, for the restart tests (settings from the environment)::

    python -m tests.alerts.crash_app decide [--app]   # commit a decision, then wait to be killed
    python -m tests.alerts.crash_app serve [--later S]  # run the app until killed

``decide`` commits what the evaluator commits when a rule fires (the log row and the delivery
it owes to duty@center.example, in one transaction), writes "decided" and waits; with ``--app``
the app, and so its delivery worker, runs meanwhile. ``serve`` runs the app and writes
"started" once it runs. ``--later`` sets the process's clock that many seconds ahead of the
wall clock: a restart after a dead worker's lease has run out.
"""

import argparse
import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

from dozor.app import create_app
from dozor.config import Settings
from dozor.db import create_engine, write_sessionmaker
from tests.alerts.decisions import decide, rule


class Later:
    def __init__(self, seconds: float) -> None:
        self.ahead = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.ahead


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


@contextlib.asynccontextmanager
async def _app(settings: Settings, clock: Later, run: bool) -> AsyncIterator[None]:
    if not run:
        yield
        return
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        yield


async def main(mode: str, *, app: bool, later: float) -> None:
    settings, clock = Settings(), Later(later)
    async with _app(settings, clock, run=app or mode == "serve"):
        if mode == "decide":
            engine = create_engine(settings)
            writes = write_sessionmaker(engine)
            rule_id = await rule(writes, now=clock.now(), email_addresses=["duty@center.example"])
            await decide(writes, rule_id, settings=settings, now=clock.now())
            await engine.dispose()
            _say("decided")
        else:
            _say("started")
        await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["decide", "serve"])
    parser.add_argument("--app", action="store_true")
    parser.add_argument("--later", type=float, default=0.0)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.mode, app=arguments.app, later=arguments.later))
