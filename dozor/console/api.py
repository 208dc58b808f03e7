"""JSON API of the console's settings: a user's KPI panel, KPI thresholds, SLA targets and
business hours. Who may do what: ``dozor/console/service.py`` and docs/console.md."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field, model_validator

from dozor.auth import csrf
from dozor.auth.deps import Caller, CallerDep
from dozor.console import indicators, service, zones
from dozor.console import views as console_views
from dozor.conversations.sla import DEFAULT_TARGETS
from dozor.deps import SessionDep
from dozor.directory.models import Group
from dozor.live import hours, sla_service
from dozor.live import store as live_store
from dozor.metrics.windows import WindowName

router = APIRouter(prefix="/api/v1", tags=["console"])
# a browser session changes settings only with its CSRF token; an API token needs none
CHANGES = [Depends(csrf.require_for_api)]

Id = Annotated[str, Field(min_length=1, max_length=200)]
Kpi = Literal[indicators.KEYS]  # type: ignore[valid-type]
Medium = Literal["chat", "call", "email"]
Seconds = Annotated[float | None, Field(ge=0, le=30 * 24 * 3600)]


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Preferences(Input):
    kpis: list[Kpi] = Field(default_factory=list, max_length=len(indicators.KEYS))  # type: ignore[valid-type]
    groups: list[Id] = Field(default_factory=list, max_length=200)
    operators: list[Id] = Field(default_factory=list, max_length=200)
    window: WindowName = "15m"
    sound: bool = Field(default=False, description="Beep when the alert banner gains an alert.")


class ThresholdIn(Input):
    kpi: Kpi  # type: ignore[valid-type]
    scope: Literal["all", "group", "operator"] = "all"
    scope_id: Annotated[str, Field(max_length=200)] = ""
    warning: float
    critical: float
    worse: Literal["higher", "lower"] = Field(description="Which way is worse.")

    @model_validator(mode="after")
    def _sensible(self) -> "ThresholdIn":
        if (self.scope == "all") != (self.scope_id == ""):
            raise ValueError("scope_id names the group or operator; none for scope all")
        if problem := zones.problem(zones.Level(self.warning, self.critical, self.worse)):
            raise ValueError(problem)
        return self


class ThresholdOut(ThresholdIn):
    id: int


class TargetsIn(Input):
    new: Seconds = Field(description="Take a new conversation within (s); null: no target.")
    unanswered: Seconds = Field(description="Answer a waiting client within (s).")
    answered: Seconds = Field(description="Close an answered, idle conversation within (s).")


class HoursIn(Input):
    spec: Annotated[str, Field(max_length=2000)] = Field(
        description="e.g. 'mon-fri 09:00-18:00; sat 10:00-14:00' (the center's time zone)."
    )


def _person(caller: Caller) -> Any:
    if caller.user is None:
        raise HTTPException(403, "console preferences belong to a person: log in")
    if caller.user.role not in ("admin", "supervisor"):
        raise HTTPException(403, "the console is for supervisors and admins")
    return caller.user


async def _visible(session: SessionDep, caller: Caller) -> frozenset[str] | None:
    """None: everything (an admin or an integration token)."""
    if caller.token is not None:
        return None
    return await service.visible_groups(session, _person(caller))


def _admin(caller: Caller) -> None:
    if not caller.is_admin:
        raise HTTPException(403, "only an admin may change this")


async def _known_group(session: SessionDep, group_id: str) -> None:
    if await session.get(Group, group_id) is None:
        raise HTTPException(404, f"no group {group_id!r}")


@router.get("/console/preferences", response_model=Preferences)
async def get_preferences(session: SessionDep, caller: CallerDep) -> Any:
    return await service.preferences(session, user_id=_person(caller).id)


@router.put("/console/preferences", response_model=Preferences, dependencies=CHANGES)
async def put_preferences(body: Preferences, session: SessionDep, caller: CallerDep) -> Any:
    user = _person(caller)
    await service.put_preferences(session, user_id=user.id, value=body.model_dump())
    return await service.preferences(session, user_id=user.id)


@router.get("/thresholds", response_model=list[ThresholdOut])
async def list_thresholds(session: SessionDep, caller: CallerDep) -> Any:
    await _visible(session, caller)
    return await service.thresholds(session)


@router.put("/thresholds", response_model=ThresholdOut, dependencies=CHANGES)
async def put_threshold(
    body: ThresholdIn,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> Any:
    """Create or replace the threshold of ``kpi`` for the scope (one per kpi and scope)."""
    visible = await _visible(session, caller)
    if not await service.may_set(session, visible, scope=body.scope, scope_id=body.scope_id):
        raise HTTPException(403, "this scope is not yours: a supervisor sets their own groups'")
    found = await service.put_threshold(session, values=body.model_dump())
    background.add_task(console_views.reload_thresholds, request.app)
    return found


@router.delete("/thresholds/{threshold_id}", status_code=204, dependencies=CHANGES)
async def delete_threshold(
    threshold_id: int,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> None:
    visible = await _visible(session, caller)
    found = await service.threshold(session, threshold_id)
    if found is None:
        raise HTTPException(404, "no such threshold")
    if not await service.may_set(session, visible, scope=found.scope, scope_id=found.scope_id):
        raise HTTPException(403, "this scope is not yours")
    await service.delete_threshold(session, threshold_id=threshold_id)
    background.add_task(console_views.reload_thresholds, request.app)


@router.get("/sla-targets")
async def list_targets(session: SessionDep, caller: CallerDep) -> dict[str, Any]:
    """The defaults per medium (DESIGN.md) and the targets set per group and medium."""
    await _visible(session, caller)
    return {
        "defaults": {m: vars(t) for m, t in DEFAULT_TARGETS.items()},
        "targets": [
            {k: getattr(t, k) for k in ("group_id", "medium", "new", "unanswered", "answered")}
            for t in await sla_service.targets(session)
        ],
    }


@router.put("/sla-targets/{medium}/{group_id:path}", dependencies=CHANGES)
async def put_targets(
    medium: Medium,
    group_id: str,
    body: TargetsIn,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> dict[str, Any]:
    _admin(caller)
    await _known_group(session, group_id)
    values = {"group_id": group_id, "medium": medium, **body.model_dump()}
    await sla_service.put_target(session, values=values)
    background.add_task(live_store.of(request.app).reload_sla)
    return values


@router.delete("/sla-targets/{medium}/{group_id:path}", status_code=204, dependencies=CHANGES)
async def delete_targets(
    medium: Medium,
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> None:
    """Back to the defaults."""
    _admin(caller)
    if not await sla_service.delete_target(session, group_id=group_id, medium=medium):
        raise HTTPException(404, "no targets set for this group and medium")
    background.add_task(live_store.of(request.app).reload_sla)


@router.get("/business-hours")
async def list_hours(session: SessionDep, caller: CallerDep) -> list[dict[str, Any]]:
    await _visible(session, caller)
    return [
        {"group_id": b.group_id, "spec": b.spec} for b in await sla_service.business_hours(session)
    ]


@router.put("/business-hours/{group_id:path}", dependencies=CHANGES)
async def put_hours(
    group_id: str,
    body: HoursIn,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> dict[str, Any]:
    """Set a group's business hours: its e-mail clocks run only then."""
    _admin(caller)
    await _known_group(session, group_id)
    try:
        week = hours.parse(body.spec)
    except hours.HoursError as error:
        raise HTTPException(422, str(error)) from None
    if not any(week):
        raise HTTPException(422, "give at least one open range; DELETE makes the group always open")
    spec = hours.to_spec(week)
    await sla_service.put_hours(session, group_id=group_id, spec=spec)
    background.add_task(live_store.of(request.app).reload_sla)
    return {"group_id": group_id, "spec": spec}


@router.delete(
    "/business-hours/{group_id:path}",
    status_code=204,
    response_class=Response,
    dependencies=CHANGES,
)
async def delete_hours(
    group_id: str,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> None:
    """Always open again."""
    _admin(caller)
    if not await sla_service.delete_hours(session, group_id=group_id):
        raise HTTPException(404, "no business hours set for this group")
    background.add_task(live_store.of(request.app).reload_sla)
