"""``GET /api/v1/alert-log``: the alert log as JSON, with the filters and the access of the
page (``/alerts``); an integration's API token sees every row."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from dozor.alerts import log
from dozor.auth.deps import CallerDep
from dozor.console import service as console_service
from dozor.deps import SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1", tags=["alerts"])


class DeliveryOut(BaseModel):
    id: int
    channel: str = Field(description="email or webhook.")
    target: str = Field(description="The address or the URL.")
    status: str = Field(description="pending, sending, sent or failed.")
    attempts: int
    error: str | None = Field(description="The last attempt's error.")
    next_at: datetime = Field(description="When the next attempt is due (pending ones).")
    sent_at: datetime | None


class LogEntryOut(BaseModel):
    id: int
    at: datetime
    rule_id: int | None = Field(description="Null once the rule is deleted.")
    rule_name: str
    indicator: str
    window: str
    scope: str = Field(description="all, group or operator.")
    scope_id: str = Field(description="The group's or the operator's id; \"\" for all.")
    scope_name: str
    kind: str = Field(description="yellow, red, recovered or repeat.")
    zone_from: str
    zone_to: str
    value: float | None
    threshold: float | None = Field(description="The level crossed (or left).")
    since: datetime = Field(description="When the zone now held began.")
    deliveries: list[DeliveryOut] = Field(description="Who was told, and how it went.")


LOG_COLUMNS = [n for n in LogEntryOut.model_fields if n not in ("scope_name", "deliveries")]


class LogPageOut(BaseModel):
    items: list[LogEntryOut]
    next_cursor: str | None


@router.get(
    "/alert-log",
    response_model=LogPageOut,
    responses={
        400: {"description": "A cursor that is not one of the log's"},
        403: {"description": "Not a supervisor or an admin"},
    },
)
async def alert_log(
    query: Annotated[log.LogQuery, Query()],
    session: SessionDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> Any:
    """What fired, newest first, one keyset page at a time (follow `next_cursor`): admins and
    API tokens see every row, a supervisor those of their groups and their operators."""
    groups = None
    if caller.user is not None:
        if caller.user.role not in ("admin", "supervisor"):
            raise HTTPException(403, "the alert log is for supervisors and admins")
        groups = await console_service.visible_groups(session, caller.user)
    try:
        found = await log.page(
            session, query=query, groups=groups, zone=ZoneInfo(settings.timezone)
        )
    except log.CursorError as error:
        raise HTTPException(400, str(error)) from error
    return {"items": [_entry(e) for e in found.entries], "next_cursor": found.next_cursor}


def _entry(entry: log.Entry) -> dict[str, Any]:
    copied = {name: getattr(entry.log, name) for name in LOG_COLUMNS}
    return {**copied, "scope_name": entry.scope_name, "deliveries": entry.deliveries}
