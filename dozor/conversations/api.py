"""JSON API of conversations: the dialog list (filters, sort, cursor), its summary and export,
one conversation, and the actions on one or several."""

from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import Field

from dozor.auth import csrf
from dozor.auth.deps import CallerDep
from dozor.conversations import access, actions, export, listing, service
from dozor.conversations.columns import COLUMNS, DURATIONS, visible
from dozor.conversations.filters import DialogFilter
from dozor.conversations.schemas import (
    ActionIn,
    ActionOut,
    BulkIn,
    BulkOut,
    ConversationDetail,
    ConversationPage,
    Summary,
)
from dozor.conversations.schemas import ConversationOut as ConversationOut  # re-exported
from dozor.deps import ClockDep, SessionDep, SettingsDep, WriterDep
from dozor.lib import i18n
from dozor.live import sla_service
from dozor.live.targets import SlaRules

router = APIRouter(prefix="/api/v1", tags=["conversations"])
SortKey = Literal[tuple(COLUMNS)]  # type: ignore[valid-type]
ExportColumn = Literal[tuple(COLUMNS)]  # type: ignore[valid-type]


class ListQuery(DialogFilter):  # type: ignore[misc,valid-type]
    sort: SortKey = Field(default="number", description="The column to sort by.")
    dir: Literal["asc", "desc"] = Field(default="desc", description="The sort direction.")
    cursor: str | None = Field(default=None, description="`next_cursor` of the page before.")
    limit: int = Field(default=50, ge=1, le=listing.MAX_LIMIT)


class ExportQuery(DialogFilter):  # type: ignore[misc,valid-type]
    format: Literal["csv", "xlsx"] = "csv"
    sort: SortKey = "number"
    dir: Literal["asc", "desc"] = "desc"
    columns: list[ExportColumn] = Field(default=[], description="Columns, in order; all if none.")
    lang: Literal["ru", "en"] | None = Field(default=None, description="Language of the texts.")


async def _scope(request: Request, caller: CallerDep) -> access.Scope:
    # a read session of its own: on SQLite the route's write session would hold the write
    # lock that the writer needs to store the action's events
    async with request.app.state.sessions() as session:
        return await access.scope_of(session, caller)


ScopeDep = Annotated[access.Scope, Depends(_scope)]


async def _sla(session: SessionDep, settings: SettingsDep) -> SlaRules:
    """The admin's targets and business hours, read once for the request (overdue), in the
    request's own session."""
    return await sla_service.rules(session, timezone=settings.timezone)


SlaDep = Annotated[SlaRules, Depends(_sla)]


@router.get("/conversations", response_model=ConversationPage)
async def list_conversations(
    params: Annotated[ListQuery, Query()],
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    scope: ScopeDep,
    sla: SlaDep,
) -> Any:
    """The dialog list: filtered, sorted, one keyset page at a time (follow `next_cursor`)."""
    now = clock.now()
    sort = listing.Sort(params.sort, params.dir == "desc")
    try:
        page = await listing.page(
            session,
            dialog_filter=params,
            scope=scope,
            now=now,
            zone=ZoneInfo(settings.timezone),
            sla=sla,
            sort=sort,
            cursor=params.cursor,
            limit=params.limit,
        )
    except listing.CursorError as error:
        raise HTTPException(400, str(error)) from error
    items = [service.as_dict(r.number, service.state_of(r), now, sla) for r in page.rows]
    return {"items": items, "next_cursor": page.next_cursor}


@router.get("/conversations/summary", response_model=Summary)
async def summarise(
    params: Annotated[DialogFilter, Query()],  # type: ignore[valid-type]
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    scope: ScopeDep,
    sla: SlaDep,
) -> Any:
    """The summary line of the filtered list: count; average and maximum of each duration."""
    found = await listing.summary(
        session,
        dialog_filter=params,
        scope=scope,
        now=clock.now(),
        zone=ZoneInfo(settings.timezone),
        sla=sla,
    )
    return {"count": found["count"], "durations": {k: found[k] for k in DURATIONS}}


@router.get(
    "/conversations/export",
    response_class=StreamingResponse,
    responses={200: {"content": {t: {} for t in export.MEDIA_TYPES.values()}}},
)
async def export_conversations(
    params: Annotated[ExportQuery, Query()],
    request: Request,
    clock: ClockDep,
    settings: SettingsDep,
    scope: ScopeDep,
    sla: SlaDep,
) -> StreamingResponse:
    """The filtered list as CSV (streamed as it is read) or XLSX."""
    language = i18n.choose(params.lang, settings.language, default="ru")
    query = export.Query(
        dialog_filter=params,
        scope=scope,
        sort=listing.Sort(params.sort, params.dir == "desc"),
        columns=visible(params.columns or list(COLUMNS)),
        zone=ZoneInfo(settings.timezone),
        sla=sla,
        gettext=request.app.state.translations[language].gettext,
    )
    sessions, now = request.app.state.sessions, clock.now()
    disposition = {"Content-Disposition": f'attachment; filename="conversations.{params.format}"'}
    if params.format == "csv":
        body = export.stream_csv(sessions, query, now=now)
    else:
        path = export.temporary_path(".xlsx")
        await export.write_xlsx(sessions, query, path, now=now)
        body = export.stream_file(path, remove=True)
    return StreamingResponse(
        body, media_type=export.MEDIA_TYPES[params.format], headers=disposition
    )


@router.get("/conversations/{conversation_id}", response_model=ConversationDetail)
async def get_conversation(
    conversation_id: str, session: SessionDep, clock: ClockDep, scope: ScopeDep, sla: SlaDep
) -> Any:
    """One conversation: every column of the dialog list, and its messages."""
    row = await service.get(session, conversation_id)
    if row is None or not await access.sees(session, scope, conversation_id):
        raise HTTPException(404, f"no conversation {conversation_id!r}")
    data = service.as_dict(row.number, service.state_of(row), clock.now(), sla)
    data["messages"] = await service.messages(session, conversation_id)
    return data


def _out(outcome: actions.Outcome, action: str) -> dict[str, Any]:
    return {
        "conversation_id": outcome.conversation_id,
        "action": action,
        "outcome": outcome.code,
        "message": outcome.message(action),
    }


@router.post(
    "/conversations/actions/{action}",
    response_model=BulkOut,
    dependencies=[Depends(csrf.require_for_api)],
)
async def act_on_many(
    action: Annotated[Literal[actions.BULK_ACTIONS], Path()],  # type: ignore[valid-type]
    body: BulkIn,
    request: Request,
    writer: WriterDep,
    clock: ClockDep,
    scope: ScopeDep,
) -> Any:
    """Close, force-close (spam) or transfer several active conversations at once. Each gets
    its own outcome: `done`, or why it was left as it was."""
    order = actions.Order(action, to_operator_id=body.to_operator_id, to_group_id=body.to_group_id)
    outcomes = await _perform(request, writer, order, body.ids, scope, clock.now())
    return {"results": [_out(outcome, action) for outcome in outcomes]}


@router.post(
    "/conversations/{conversation_id}/actions/{action}",
    response_model=ActionOut,
    dependencies=[Depends(csrf.require_for_api)],
    responses={code: {"description": text} for code, text in actions.HTTP_ERRORS.items()},
)
async def act(
    conversation_id: str,
    action: Annotated[Literal[actions.ACTIONS], Path()],  # type: ignore[valid-type]
    request: Request,
    writer: WriterDep,
    clock: ClockDep,
    scope: ScopeDep,
    body: ActionIn | None = None,
) -> Any:
    """Act on one conversation; the action is stored as an event with you as its `actor`.

    409 when the conversation is closed already (nothing is changed), 404 when it is not
    there or not yours to see, 403 when your role may not do this, 422 for a bad argument."""
    body = body or ActionIn()
    order = actions.Order(action, **body.model_dump())
    [outcome] = await _perform(request, writer, order, [conversation_id], scope, clock.now())
    if not outcome.ok:
        raise HTTPException(outcome.status, outcome.message(action))
    return _out(outcome, action)


async def _perform(
    request: Request,
    writer: Any,
    order: actions.Order,
    ids: list[str],
    scope: access.Scope,
    now: datetime,
) -> list[actions.Outcome]:
    state = request.app.state
    return await actions.perform(
        state.sessions,
        writer,
        actions.locks_of(state),
        order=order,
        conversation_ids=ids,
        scope=scope,
        now=now,
    )
