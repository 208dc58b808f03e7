"""The ASGI application, built from settings: nothing is created at import time."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from dozor import __version__, templating
from dozor.alerts import delivery as alerts_delivery
from dozor.alerts import evaluator as alerts_evaluator
from dozor.auth import csrf
from dozor.clock import Clock, SystemClock
from dozor.config import Settings
from dozor.console.views import start as console_start
from dozor.db import create_engine, sessionmaker, write_sessionmaker
from dozor.events.contract import event_adapter
from dozor.events.writer import Writer
from dozor.lib import i18n
from dozor.live import store as live_store
from dozor.tasks import scheduler as tasks_scheduler

HERE = Path(__file__).parent


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    state = app.state
    state.engine = create_engine(state.settings)
    state.sessions = sessionmaker(state.engine)
    state.write_sessions = write_sessionmaker(state.engine)
    state.writer = Writer(
        state.write_sessions,
        state.clock,
        max_events=state.settings.writer_max_events,
        concurrency=state.settings.writers,
    )
    state.writer.start()
    for hook in state.startup_hooks:
        await hook(app)
    try:
        yield
    finally:
        for hook in state.shutdown_hooks:
            await hook(app)
        await state.writer.stop()
        await state.engine.dispose()


def tune_gc() -> None:
    """Make Python's garbage collector cheaper for a serving process; call it once the app is
    built. What exists by then (modules, schemas, the app) is kept out of every collection, and
    the youngest generation is collected every 20,000 allocations instead of 700: with the
    defaults, collecting cost ~5 µs an ingested event, mostly going over objects that live as
    long as the process (docs/decisions.md, "The garbage collector of a server")."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)


def create_app(settings: Settings | None = None, *, clock: Clock | None = None) -> FastAPI:
    settings = settings or Settings()
    app = FastAPI(
        title="Dozor",
        version=__version__,
        summary="Supervision for omnichannel contact centers: the integrators' API.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock or SystemClock()
    # ``async def hook(app)``: startup hooks run once the writer runs, shutdown hooks before it
    # drains and stops
    app.state.startup_hooks = []
    app.state.shutdown_hooks = []
    app.state.startup_hooks.append(tasks_scheduler.start)
    app.state.shutdown_hooks.append(tasks_scheduler.stop)
    app.state.startup_hooks.append(live_store.start)
    app.state.shutdown_hooks.append(live_store.stop)
    app.state.startup_hooks.append(console_start)
    app.state.startup_hooks.append(alerts_evaluator.start)  # after the console: shares its KPIs
    app.state.shutdown_hooks.insert(0, alerts_evaluator.stop)  # before the live state it reads
    app.state.startup_hooks.append(alerts_delivery.start)
    app.state.shutdown_hooks.append(alerts_delivery.stop)
    # the catalogs, compiled once: pages, e-mails and exports all speak from them
    app.state.translations = i18n.load()
    app.state.templates = templating.create(settings, app.state.translations)
    app.state.known_tokens = {}  # API token → (name, when checked): see auth/deps.py
    app.add_exception_handler(csrf.CsrfError, csrf.rejected)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.resolved_secret_key(),
        session_cookie="dozor_session",
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _include_routers(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _include_routers(app: FastAPI) -> None:
    from dozor.alerts import api as alerts_api
    from dozor.alerts import log_api as alerts_log_api
    from dozor.alerts import views as alerts_views
    from dozor.auth import views as auth_views
    from dozor.console import api as console_api
    from dozor.console import forms as console_forms
    from dozor.console import views as console_views
    from dozor.conversations import api as conversations_api
    from dozor.conversations import views as conversations_views
    from dozor.directory import api as directory_api
    from dozor.events import api as events_api
    from dozor.metrics import api as metrics_api
    from dozor.operators import api as operators_api
    from dozor.tasks import api as tasks_api
    from dozor.tasks import views as tasks_views

    for module in (
        events_api,
        conversations_api,
        operators_api,
        directory_api,
        metrics_api,
        auth_views,
        conversations_views,
        tasks_api,
        tasks_views,
        console_api,
        console_forms,
        console_views,
        alerts_api,
        alerts_log_api,
        alerts_views,
    ):
        app.include_router(module.router)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the event contract (the events body is validated by hand)."""
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    schema = get_openapi(
        title=app.title, version=app.version, summary=app.summary, routes=app.routes
    )
    event_schema = event_adapter.json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(event_schema.pop("$defs", {}))
    components["Event"] = event_schema
    app.openapi_schema = schema
    return schema
