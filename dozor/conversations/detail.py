"""The page of one conversation: its history, every field and duration, the audit of who did
what, and the actions a supervisor takes on it."""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dozor.auth.csrf import CsrfDep
from dozor.auth.deps import PageUserDep
from dozor.auth.models import User
from dozor.conversations import access, actions, history, pages, service
from dozor.conversations.columns import COLUMNS, DATES, DURATIONS, LABELS, format_duration
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.live import sla_service
from dozor.templating import TemplatesDep

router = APIRouter(include_in_schema=False)


@router.get("/conversations/{conversation_id}")
async def conversation_page(
    request: Request,
    conversation_id: str,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    scope = await access.scope_of_user(session, user)
    row = await service.get(session, conversation_id)
    if row is None or not await access.sees(session, scope, conversation_id):
        raise HTTPException(404, "no such conversation, or it is not yours to see")
    sla = await sla_service.rules(session, timezone=settings.timezone)
    item = service.as_dict(row.number, service.state_of(row), clock.now(), sla)
    events = await history.events_of(session, conversation_id)
    names = await history.names_for(session, events)
    lines = history.lines(events, names)
    name_columns = [c for c in COLUMNS.values() if c.kind == "name"]
    return templates.render(
        request,
        "conversations/detail.html",
        user=user,
        c=item,
        names=await pages.names_for(session, [item], name_columns),
        lines=lines,
        audit=[line for line in lines if line.actor],
        columns=COLUMNS,
        dates=DATES,
        durations=DURATIONS,
        scope=scope,
        choices=await pages.choices(session),
        flashes=pages.pop_flash(request),
        fmt_duration=format_duration,
        flag_labels=LABELS["flag"],
        direction_labels=LABELS["direction"],
    )


@router.post("/conversations/{conversation_id}/actions/{action}", dependencies=[CsrfDep])
async def act(
    request: Request,
    conversation_id: str,
    action: str,
    user: PageUserDep,
    clock: ClockDep,
    target: Annotated[str, Form()] = "",
    operator_id: Annotated[str, Form()] = "",
    rating: Annotated[str, Form()] = "",
    comment: Annotated[str, Form(max_length=100_000)] = "",
) -> RedirectResponse:
    """One action from the conversation's page; what became of it shows on the page."""
    if action not in actions.ACTIONS:
        raise HTTPException(404, "no such action")
    order = actions.Order(
        action,
        **pages.target(target),
        operator_id=operator_id or None,
        rating=int(rating) if rating in ("1", "2", "3", "4", "5") else None,
        comment=comment.strip() or None,
    )
    outcomes = await perform(request, user, order, [conversation_id], clock.now())
    pages.flash(request, outcomes, action)
    return RedirectResponse(f"/conversations/{quote(conversation_id, safe='')}", 303)


async def perform(
    request: Request, user: User, order: actions.Order, ids: list[str], now: datetime
) -> list[actions.Outcome]:
    """Carry out an order of a page's user (their scope read in a short session of its own:
    on SQLite a write session would hold the lock the writer needs)."""
    state = request.app.state
    async with state.sessions() as session:
        scope = await access.scope_of_user(session, user)
    return await actions.perform(
        state.sessions,
        state.writer,
        actions.locks_of(state),
        order=order,
        conversation_ids=ids,
        scope=scope,
        now=now,
    )
