"""The console page and its event stream (server-sent events, swapped in by htmx's SSE
extension): each block is pushed when its drawing changed, the whole console on (re)connect."""

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.deps import PageUserDep
from dozor.auth.models import User
from dozor.console import service
from dozor.console.draw import Drawer, Watch
from dozor.console.panel import KpiCache
from dozor.console.view import View
from dozor.deps import SessionDep
from dozor.live import store as live_store
from dozor.templating import TemplatesDep

router = APIRouter(include_in_schema=False)

HEARTBEAT = 15.0  # seconds: a comment keeps proxies from closing a quiet stream
LIFETIME = 600.0  # a stream ends after this; the browser reconnects and redraws everything


async def console_user(user: PageUserDep) -> User:
    if user.role not in ("admin", "supervisor"):
        raise HTTPException(403, "the console is for supervisors and admins")
    return user


ConsoleUserDep = Annotated[User, Depends(console_user)]


def drawer(request: Request) -> Drawer:
    return request.app.state.console_drawer


async def start(app: FastAPI) -> None:
    """Startup hook, after the live state's: the drawer every console shares."""
    live = live_store.of(app)
    app.state.console_drawer = Drawer(
        live,
        app.state.templates,
        KpiCache(live),
        alerts=lambda: getattr(app.state, "alert_evaluator", None),
    )
    await reload_thresholds(app)


async def reload_thresholds(app: FastAPI) -> None:
    drawer: Drawer = app.state.console_drawer
    async with app.state.sessions() as session:
        drawer.thresholds = tuple(service.rules(await service.thresholds(session)))
    drawer.store.changed()


async def view_and_watch(session: AsyncSession, request: Request, user: User) -> tuple[View, Watch]:
    visible = await service.visible_groups(session, user)
    chosen = await service.preferences(session, user_id=user.id)
    view = View.read(request.query_params, visible=visible)
    watch = Watch(
        kpis=tuple(chosen["kpis"]),
        groups=tuple(chosen["groups"]),
        operators=tuple(chosen["operators"]),
        window=chosen["window"],
    )
    return view, watch


@router.get("/console")
async def console_page(
    request: Request, user: ConsoleUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    view, watch = await view_and_watch(session, request, user)
    draw = drawer(request)
    context = await draw.context(view, watch)
    state = draw.store.state
    return templates.render(
        request,
        "console/console.html",
        user=user,
        stream=f"/console/stream?{view.query()}",
        sound=(await service.preferences(session, user_id=user.id))["sound"],
        choices={
            "group": sorted(
                (info.name, g)
                for g, info in state.groups.items()
                if view.visible is None or g in view.visible
            ),
            "operator": sorted(
                (o.name, o.id)
                for o in state.operators.values()
                if view.visible is None or o.groups & view.visible
            ),
            "channel": sorted((name, c) for c, name in state.channels.items()),
            "topic": sorted((name, t) for t, name in state.topics.items()),
        },
        **context,
    )


@router.get("/console/stream")
async def console_stream(
    request: Request, user: ConsoleUserDep, session: SessionDep
) -> StreamingResponse:
    # the session (a dependency of function scope) is closed before the stream starts
    view, watch = await view_and_watch(session, request, user)
    return StreamingResponse(
        _events(request, user, view, watch),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


async def _events(request: Request, user: User, view: View, watch: Watch) -> AsyncIterator[str]:
    """1. Send every block (a reconnect resyncs). 2. Wait for the next frame of the live state.
    3. Send the blocks whose drawing changed; a comment when nothing came for a while."""
    draw = drawer(request)
    store = draw.store
    loop = asyncio.get_running_loop()
    ends = loop.time() + LIFETIME
    sent: dict[str, str] = {}
    frame = store.frame
    yield "retry: 1000\n\n"
    while not store.closing and loop.time() < ends:
        changed = []
        for name, text in (await draw.draw(request, user, view, watch, frame)).items():
            if sent.get(name) != text:
                sent[name] = text
                changed.append(text)
        if changed:
            yield "".join(changed)  # one write for the frame, however many blocks changed
        newer = await store.next_frame(frame, min(HEARTBEAT, max(ends - loop.time(), 0.0)))
        if newer == frame:
            yield ": still here\n\n"
        frame = newer
