"""HTML pages of conversations: the dialog list with its filter, columns, saved filters,
summary line, bulk actions and exports, and each conversation's page."""

from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from dozor.auth.csrf import CsrfDep
from dozor.auth.deps import PageUserDep
from dozor.auth.models import User
from dozor.clock import Clock
from dozor.config import Settings
from dozor.conversations import access, actions, detail, export, listing, pages, service
from dozor.conversations.columns import COLUMNS, DATES, DURATIONS, LABELS, format_duration
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.live import sla_service
from dozor.preferences import service as preferences
from dozor.templating import TemplatesDep

router = APIRouter(include_in_schema=False)

DIALOGS = "conversations/dialogs.html"
SUMMARY = "conversations/_summary.html"


@router.get("/")
async def home(user: PageUserDep) -> RedirectResponse:
    """Each role's own first page: supervisors and admins watch the console, operators work
    from their dialog list."""
    return RedirectResponse("/console" if user.role != "operator" else "/conversations", 303)


@router.get("/conversations")
async def dialog_list(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The dialog list (seed 001): the user's columns, filtered, sorted, a page at a time."""
    chosen = pages.Chosen.read(request.query_params)
    common = await _common(chosen, user, session, clock, settings)
    scope, now, sla = common["scope"], common["now"], common["sla"]
    columns = await pages.chosen_columns(session, user_id=user.id)
    try:
        page = await listing.page(
            session, sort=chosen.sort, cursor=chosen.cursor, limit=chosen.limit, **common
        )
    except listing.CursorError:
        return RedirectResponse(pages.link(request, cursor=None), status_code=303)  # type: ignore[return-value]
    items = [service.as_dict(r.number, service.state_of(r), now, sla) for r in page.rows]
    return templates.render(
        request,
        DIALOGS,
        user=user,
        chosen=chosen,
        columns=columns,
        chooser=pages.chooser(columns),
        items=items,
        names=await pages.names_for(session, items, columns),
        next_cursor=page.next_cursor,
        durations=DURATIONS,
        columns_dates=DATES,
        all_columns=COLUMNS,
        saved=await preferences.saved_filters(session, user_id=user.id, page=pages.PAGE),
        choices=await pages.choices(session),
        scope=scope,
        flashes=pages.pop_flash(request),
        link=lambda **changes: pages.link(request, **changes),
        sort_link=lambda key: pages.sort_link(request, chosen.sort, key),
        filter_query=urlencode(chosen.filter_query),
        fmt_duration=format_duration,
        flag_labels=LABELS["flag"],
        direction_labels=LABELS["direction"],
    )


@router.get("/conversations/_summary")
async def dialog_summary(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The summary line of the filtered list, which the page loads apart from its rows."""
    chosen = pages.Chosen.read(request.query_params)
    summary = await listing.summary(
        session, **await _common(chosen, user, session, clock, settings)
    )
    return templates.render(
        request,
        SUMMARY,
        user=user,
        summary=summary,
        durations=DURATIONS,
        all_columns=COLUMNS,
        fmt_duration=format_duration,
    )


async def _common(
    chosen: pages.Chosen, user: User, session: AsyncSession, clock: Clock, settings: Settings
) -> dict[str, Any]:
    """What a page of the list and its summary line both need: the filter, the user's scope,
    the moment and the SLA rules that say what is overdue."""
    return {
        "dialog_filter": chosen.dialog_filter,
        "scope": await access.scope_of_user(session, user),
        "now": clock.now(),
        "zone": ZoneInfo(settings.timezone),
        "sla": await sla_service.rules(session, timezone=settings.timezone),
    }


@router.post("/conversations/columns", dependencies=[CsrfDep])
async def save_columns(
    user: PageUserDep,
    session: SessionDep,
    order: Annotated[list[str], Form()] = [],  # noqa: B006
    shown: Annotated[list[str], Form()] = [],  # noqa: B006
    move: Annotated[str | None, Form()] = None,
    reset: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form()] = "/conversations",
) -> RedirectResponse:
    """The columns chooser: which columns, in which order (the up and down buttons)."""
    value = None if reset else pages.arrange(order, set(shown), move)
    await preferences.put(session, user_id=user.id, key=pages.COLUMNS_KEY, value=value)
    return RedirectResponse(pages.back(next), status_code=303)


@router.post("/conversations/filters", dependencies=[CsrfDep])
async def save_filter(
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    name: Annotated[str, Form(max_length=200)] = "",
    query: Annotated[str, Form(max_length=20_000)] = "",
) -> RedirectResponse:
    if name.strip():
        await preferences.save_filter(
            session,
            user_id=user.id,
            page=pages.PAGE,
            name=name.strip(),
            query=query,
            now=clock.now(),
        )
    return RedirectResponse(f"/conversations?{query}" if query else "/conversations", 303)


@router.post("/conversations/filters/{filter_id}/delete", dependencies=[CsrfDep])
async def delete_filter(user: PageUserDep, session: SessionDep, filter_id: int) -> Response:
    if not await preferences.delete_filter(session, user_id=user.id, filter_id=filter_id):
        raise HTTPException(404, "no such saved filter")
    return RedirectResponse("/conversations", status_code=303)


@router.post("/conversations/actions", dependencies=[CsrfDep])
async def bulk_action(
    request: Request,
    user: PageUserDep,
    clock: ClockDep,
    action: Annotated[str, Form()] = "",
    ids: Annotated[list[str], Form()] = [],  # noqa: B006
    target: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/conversations",
) -> RedirectResponse:
    """Close, force-close or transfer the conversations ticked in the list."""
    if action in actions.BULK_ACTIONS and ids:
        outcomes = await detail.perform(
            request, user, actions.Order(action, **pages.target(target)), ids, clock.now()
        )
        pages.flash(request, outcomes, action)
    return RedirectResponse(pages.back(next), status_code=303)


@router.post("/conversations/exports", dependencies=[CsrfDep])
async def start_export(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    templates: TemplatesDep,
    format: Annotated[str, Form()] = "csv",
    query: Annotated[str, Form(max_length=20_000)] = "",
) -> HTMLResponse:
    """Start exporting the list as the user sees it; the answer shows its progress."""
    chosen = pages.Chosen.read(QueryParams(query))
    scope = await access.scope_of_user(session, user)
    now, zone = clock.now(), ZoneInfo(settings.timezone)
    sla = await sla_service.rules(session, timezone=settings.timezone)
    language = templates.language(request)
    job_query = export.Query(
        dialog_filter=chosen.dialog_filter,
        scope=scope,
        sort=chosen.sort,
        columns=await pages.chosen_columns(session, user_id=user.id),
        zone=zone,
        sla=sla,
        gettext=request.app.state.translations[language].gettext,
    )
    total = await listing.count(
        session, dialog_filter=chosen.dialog_filter, scope=scope, now=now, zone=zone, sla=sla
    )
    job = export.exports_of(request.app.state).start(
        request.app.state.sessions,
        job_query,
        user_id=user.id,
        fmt="xlsx" if format == "xlsx" else "csv",
        total=total,
        now=now,
    )
    return templates.render(request, "conversations/_export.html", user=user, job=job)


@router.get("/conversations/exports/{job_id}")
async def export_progress(
    request: Request, user: PageUserDep, templates: TemplatesDep, job_id: str
) -> HTMLResponse:
    job = export.exports_of(request.app.state).get(job_id, user.id)
    if job is None:
        raise HTTPException(404, "no such export")
    return templates.render(request, "conversations/_export.html", user=user, job=job)


@router.get("/conversations/exports/{job_id}/file")
async def export_file(request: Request, user: PageUserDep, job_id: str) -> StreamingResponse:
    job = export.exports_of(request.app.state).get(job_id, user.id)
    if job is None or not job.done:
        raise HTTPException(404, "no such export, or it is not finished")
    return StreamingResponse(
        export.stream_file(job.path, remove=False),
        media_type=export.MEDIA_TYPES[job.format],
        headers={"Content-Disposition": f'attachment; filename="{job.filename}"'},
    )


router.include_router(detail.router)  # last: /conversations/{id} must not shadow the above
