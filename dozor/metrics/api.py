"""``GET /api/v1/kpis``: every KPI of a window and a scope, as of any moment."""

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.exceptions import RequestValidationError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dozor.auth.deps import CallerDep
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.live import sla_service
from dozor.metrics import service, windows
from dozor.metrics.records import Scope

router = APIRouter(prefix="/api/v1", tags=["kpis"])

Ids = Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Field(max_length=1000)]
Medium = Literal["chat", "call", "email"]
Pct = float | None  # 0–100; unbounded here, so float noise can never turn into a 500
Seconds = float | None


class KpiQuery(BaseModel):
    # a misspelt parameter is an error, not a silently wider scope
    model_config = ConfigDict(extra="forbid")

    window: windows.WindowName | None = Field(
        default=None, description="The last 5…60 minutes, or today (from midnight, local time)."
    )
    at: AwareDatetime | None = Field(
        default=None, description="End of `window` (default now): the console as of then."
    )
    start: AwareDatetime | None = Field(default=None, alias="from", description="Range start.")
    end: AwareDatetime | None = Field(default=None, alias="to", description="Range end.")
    group: Ids = Field(default_factory=list, description="Only these groups (repeatable).")
    operator: Ids = Field(default_factory=list, description="Only these operators (repeatable).")
    channel: Ids = Field(default_factory=list, description="Only these channels (repeatable).")
    medium: list[Medium] = Field(default_factory=list, description="Only these media.")


class ScopeOut(BaseModel):
    group: list[str]
    operator: list[str]
    channel: list[str]
    medium: list[Medium]


class Kpis(BaseModel):
    """DESIGN.md's KPIs; docs/metrics.md defines each. Null where the denominator is zero."""

    accepted: int = Field(description="Inbound contacts taken from the queue in the window.")
    lost: int = Field(description="Queued inbound contacts that ended untaken (not short).")
    short_abandoned: int = Field(description="Lost after waiting under the group's short_abandon.")
    lost_pct: Pct = Field(description="lost / (accepted + lost).")
    in_queue: int = Field(description="Inbound contacts waiting in a queue at the end.")
    max_wait_now: float = Field(description="The longest current wait at the end (0: none).")
    avg_wait: Seconds = Field(description="Mean queue wait of those accepted or lost.")
    max_wait: Seconds = Field(description="Longest queue wait of those accepted or lost.")
    service_level: Pct = Field(description="Accepted within the group's T, per its variant.")
    immediate_answer_pct: Pct = Field(description="Accepted with a wait ≤ 1 s / accepted.")
    operators_online: int = Field(description="Operators online at the end.")
    operators_total: int = Field(description="Operators in the scope.")
    free_operators: int = Field(description="Online, not on a call or wrap-up, below capacity.")
    on_group_calls: int = Field(description="Operators on a queued call at the end.")
    on_personal_calls: int = Field(description="Operators on a direct or own call at the end.")
    utilization: Pct = Field(description="Time handling conversations while online / online.")
    avg_inbound_talk: Seconds = Field(description="Mean talk of inbound calls closed.")
    successful_inbound_pct: Pct = Field(description="Inbound calls closed with talk > 30 s.")
    outbound_calls: int = Field(description="Outbound calls started in the window.")
    connect_pct: Pct = Field(description="Of those started, the ones answered.")
    avg_outbound_talk: Seconds = Field(description="Mean talk of outbound calls closed.")
    successful_outbound_pct: Pct = Field(description="Outbound calls closed with talk > 30 s.")
    group_intensity: float | None = Field(description="Outbound calls per operator online.")
    frt_avg: Seconds = Field(description="Mean first answer wait, chats and e-mails answered.")
    frt_max: Seconds = Field(description="Longest first answer wait, chats and e-mails.")
    aht: Seconds = Field(description="Mean talk + hold + after-call work of those closed.")
    csat: Pct = Field(description="Client ratings 4–5 / all, conversations closed.")
    new: int = Field(description="Open conversations no operator has taken, at the end.")
    unanswered: int = Field(description="Taken, waiting for the operator's reply, at the end.")
    answered: int = Field(description="Taken, the operator spoke last, at the end.")
    overdue: int = Field(description="Open conversations past their target, at the end.")


class KpiAnswer(BaseModel):
    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    scope: ScopeOut
    kpis: Kpis


@router.get("/kpis", response_model=KpiAnswer)
async def get_kpis(
    query: Annotated[KpiQuery, Query()],
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    _caller: CallerDep,
) -> Any:
    """The KPIs of a window (`window`, as of `at`) or a range (`from`, `to`), for a scope.

    The "now" values (`in_queue`, `operators_online`, `new`…) are the state at the window's
    end; the others count what happened inside it. A past `at` answers from the stored events
    as the center stood then.
    """
    try:
        window = windows.parse(
            window=query.window,
            at=query.at,
            start=query.start,
            end=query.end,
            now=clock.now(),
            timezone=settings.timezone,
        )
    except windows.WindowError as error:
        raise RequestValidationError(
            [{"type": "window", "loc": ("query",), "msg": str(error)}]
        ) from None
    scope = Scope(
        groups=frozenset(query.group),
        operators=frozenset(query.operator),
        channels=frozenset(query.channel),
        media=frozenset(query.medium),
    )
    values = await service.kpis(
        session,
        window=window,
        scope=scope,
        wrapup_limit=settings.wrapup_limit,
        sla=await sla_service.rules(session, timezone=settings.timezone),
    )
    return {
        "from": window.start,
        "to": window.end,
        "scope": {
            "group": sorted(scope.groups),
            "operator": sorted(scope.operators),
            "channel": sorted(scope.channels),
            "medium": sorted(scope.media),
        },
        "kpis": values,
    }
