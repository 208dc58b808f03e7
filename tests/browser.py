"""Shared browser fixtures: Dozor served by uvicorn on a free loopback port, driven by Debian's
Chromium through Playwright (never a downloaded browser).

Import the fixtures into a test package's conftest::

    from tests.browser import browser, live_server, live_settings, page  # noqa: F401

``live_server`` runs the app in a thread against a temporary SQLite database, with the test's
``clock`` (a ``ManualClock``): move it and the app's scheduler sees the new time.
``LiveServer.call`` runs a coroutine on the server's own event loop (to create users, say).
"""

import asyncio
import os
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, sync_playwright
from pydantic import SecretStr

from dozor.app import create_app
from dozor.clock import Clock, ManualClock
from dozor.config import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
START_TIMEOUT = 30.0  # seconds: a busy CI machine may be slow to start the app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: FastAPI
    settings: Settings
    clock: Clock
    loop: asyncio.AbstractEventLoop

    def call(self, work: Callable[[], Awaitable[Any]]) -> Any:
        """Run ``await work()`` on the server's event loop and return its result."""
        return asyncio.run_coroutine_threadsafe(_call(work), self.loop).result(START_TIMEOUT)

    def run(self, work: Callable[[Any], Awaitable[Any]]) -> Any:
        """``await work(session)`` in one committed unit of work on the server's database."""

        async def unit() -> Any:
            async with self.app.state.write_sessions() as session, session.begin():
                return await work(session)

        return self.call(unit)


async def _call(work: Callable[[], Awaitable[Any]]) -> Any:
    return await work()


@contextmanager
def serve(settings: Settings, *, clock: Clock | None = None) -> Iterator[LiveServer]:
    """Serve ``create_app(settings, clock=clock)`` with uvicorn in a thread until the block ends;
    the database of ``settings`` must be migrated already."""
    app = create_app(settings, clock=clock)
    started: dict[str, asyncio.AbstractEventLoop] = {}

    async def remember_loop(_app: FastAPI) -> None:
        started["loop"] = asyncio.get_running_loop()

    app.state.startup_hooks.append(remember_loop)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="dozor-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not (server.started and "loop" in started):
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{port}",
            app=app,
            settings=settings,
            clock=app.state.clock,
            loop=started["loop"],
        )
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT)


@pytest.fixture
def live_settings(sqlite_template: Path, tmp_path: Path) -> Settings:
    """A fresh migrated SQLite database; the scheduler looks for due notifications often."""
    shutil.copy(sqlite_template, tmp_path / "dozor.sqlite3")
    return Settings(data_dir=tmp_path, secret_key=SecretStr("test-secret"), task_poll_interval=0.1)


@pytest.fixture
def live_server(live_settings: Settings, clock: ManualClock) -> Iterator[LiveServer]:
    with serve(live_settings, clock=clock) as server:
        yield server


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium, once per test module (Playwright's sync API keeps a loop of its own: kept
    apart from the async tests of other modules)."""
    if not Path(CHROMIUM).exists():
        message = f"no Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh browser context: no cookies of another test."""
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
