"""HTML pages of conversations: the latest ones, refreshed live by htmx."""

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.deps import PageUserDep
from dozor.clock import Clock
from dozor.conversations import service
from dozor.deps import ClockDep, SessionDep
from dozor.directory import service as directory_service
from dozor.directory.models import Channel, Group
from dozor.operators.models import Operator
from dozor.templating import TemplatesDep

router = APIRouter(include_in_schema=False)

PAGE = "conversations/list.html"
FRAGMENT = "conversations/_latest.html"


@router.get("/")
async def latest_page(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    rows = await _latest(session, clock)
    return templates.render(request, PAGE, user=user, **rows)


@router.get("/conversations/_latest")
async def latest_fragment(
    request: Request,
    user: PageUserDep,
    session: SessionDep,
    clock: ClockDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The table's rows for htmx to swap in; opened directly, the whole page."""
    name = FRAGMENT if request.headers.get("HX-Request") else PAGE
    rows = await _latest(session, clock)
    return templates.render(request, name, user=user, **rows)


async def _latest(session: AsyncSession, clock: Clock) -> dict[str, Any]:
    """The latest conversations, and the names of their channels, groups and operators."""
    now = clock.now()
    rows = await service.latest(session, limit=50)
    conversations = [service.as_dict(row.number, service.state_of(row), now) for row in rows]
    names = {
        key: await directory_service.names(
            session, model, {c[f"{key}_id"] for c in conversations if c[f"{key}_id"]}
        )
        for key, model in (("channel", Channel), ("group", Group), ("operator", Operator))
    }
    return {"conversations": conversations, "names": names}
