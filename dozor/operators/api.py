"""JSON API of operators and their live state."""

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from dozor.auth.deps import CallerDep
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.operators import service

router = APIRouter(prefix="/api/v1", tags=["operators"])


class OperatorState(BaseModel):
    id: str
    name: str
    groups: list[str]
    chat_capacity: int
    status: Literal["online", "away", "offline"]
    status_since: datetime | None
    status_reason: str | None
    open_conversations: int
    on_call: Literal["group", "personal"] | None
    after_call_work: bool


@router.get("/operators", response_model=list[OperatorState])
async def list_operators(
    session: SessionDep, clock: ClockDep, settings: SettingsDep, _caller: CallerDep
) -> Any:
    """Every operator with status and since when, open conversations, call and after-call work."""
    return await service.states(session, now=clock.now(), wrapup_limit=settings.wrapup_limit)
