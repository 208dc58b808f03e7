"""The console's settings pages: the KPI panel a user watches, the thresholds (admins and
supervisors), the targets and business hours (admins). Each form posts and comes back."""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from dozor.auth.csrf import CsrfDep
from dozor.console import indicators, service, zones
from dozor.console.views import ConsoleUserDep, reload_thresholds
from dozor.conversations.sla import DEFAULT_TARGETS
from dozor.deps import SessionDep
from dozor.directory.models import Group
from dozor.live import hours, sla_service
from dozor.live import store as live_store
from dozor.live.targets import MEDIA, WORK_STATES
from dozor.metrics.windows import WINDOWS
from dozor.templating import TemplatesDep

router = APIRouter(include_in_schema=False)
Many = Annotated[list[str], Form()]


def _names(request: Request) -> dict[str, dict[str, str]]:
    state = live_store.of(request.app).state
    return {
        "group": {g: info.name for g, info in state.groups.items()},
        "operator": {o: op.name for o, op in state.operators.items()},
    }


@router.get("/console/settings")
async def settings_page(
    request: Request, user: ConsoleUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    visible = await service.visible_groups(session, user)
    state = live_store.of(request.app).state
    return templates.render(
        request,
        "console/settings.html",
        user=user,
        chosen=await service.preferences(session, user_id=user.id),
        indicators=indicators.INDICATORS,
        windows=WINDOWS,
        groups=sorted(
            (i.name, g) for g, i in state.groups.items() if visible is None or g in visible
        ),
        operators=sorted(
            (o.name, o.id)
            for o in state.operators.values()
            if visible is None or o.groups & visible
        ),
    )


@router.post("/console/settings", dependencies=[CsrfDep])
async def save_settings(
    user: ConsoleUserDep,
    session: SessionDep,
    kpis: Many = [],  # noqa: B006
    groups: Many = [],  # noqa: B006
    operators: Many = [],  # noqa: B006
    window: Annotated[str, Form()] = "15m",
    sound: Annotated[bool, Form()] = False,
) -> RedirectResponse:
    value = {
        "kpis": kpis,
        "groups": groups,
        "operators": operators,
        "window": window,
        "sound": sound,
    }
    await service.put_preferences(session, user_id=user.id, value=value)
    return RedirectResponse("/console", status_code=303)


@router.get("/console/thresholds")
async def thresholds_page(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    templates: TemplatesDep,
    error: str = "",
) -> HTMLResponse:
    return templates.render(
        request,
        "console/thresholds.html",
        user=user,
        rows=await service.thresholds(session),
        indicators=indicators.INDICATORS,
        by_key=indicators.BY_KEY,
        names=_names(request),
        error=error,
        status_code=422 if error else 200,
    )


@router.post("/console/thresholds", dependencies=[CsrfDep])
async def save_threshold(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    background: BackgroundTasks,
    kpi: Annotated[str, Form()],
    warning: Annotated[float, Form()],
    critical: Annotated[float, Form()],
    worse: Annotated[str, Form()] = "higher",
    target: Annotated[str, Form()] = "all:",
) -> RedirectResponse:
    """``target`` is ``all:``, ``group:ID`` or ``operator:ID``."""
    scope, _, scope_id = target.partition(":")
    if (
        kpi not in indicators.BY_KEY
        or scope not in zones.SCOPES
        or worse not in ("higher", "lower")
    ):
        raise HTTPException(422, "unknown indicator, scope or direction")
    level = zones.Level(warning, critical, worse)  # type: ignore[arg-type]
    if problem := zones.problem(level):
        return RedirectResponse(f"/console/thresholds?{urlencode({'error': problem})}", 303)
    visible = await service.visible_groups(session, user)
    if not await service.may_set(session, visible, scope=scope, scope_id=scope_id):
        raise HTTPException(403, "this scope is not yours")
    values = {"kpi": kpi, "scope": scope, "scope_id": scope_id, "worse": worse}
    await service.put_threshold(
        session, values={**values, "warning": warning, "critical": critical}
    )
    background.add_task(reload_thresholds, request.app)
    return RedirectResponse("/console/thresholds", status_code=303)


@router.post("/console/thresholds/{threshold_id}/delete", dependencies=[CsrfDep])
async def remove_threshold(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    background: BackgroundTasks,
    threshold_id: int,
) -> RedirectResponse:
    found = await service.threshold(session, threshold_id)
    visible = await service.visible_groups(session, user)
    if found is None:
        raise HTTPException(404, "no such threshold")
    if not await service.may_set(session, visible, scope=found.scope, scope_id=found.scope_id):
        raise HTTPException(403, "this scope is not yours")
    await service.delete_threshold(session, threshold_id=threshold_id)
    background.add_task(reload_thresholds, request.app)
    return RedirectResponse("/console/thresholds", status_code=303)


@router.get("/console/setup")
async def setup_page(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    templates: TemplatesDep,
    error: str = "",
) -> HTMLResponse:
    if user.role != "admin":
        raise HTTPException(403, "targets and business hours are an admin's")
    groups = (await session.execute(Group.__table__.select().order_by(Group.name))).all()
    targets = {(t.group_id, t.medium): t for t in await sla_service.targets(session)}
    opening = {b.group_id: b.spec for b in await sla_service.business_hours(session)}
    return templates.render(
        request,
        "console/setup.html",
        user=user,
        groups=groups,
        media=MEDIA,
        targets=targets,
        defaults=DEFAULT_TARGETS,
        opening=opening,
        error=error,
        status_code=422 if error else 200,
    )


@router.post("/console/setup", dependencies=[CsrfDep])
async def save_setup(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    background: BackgroundTasks,
    group_id: Annotated[str, Form()],
    spec: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """One group's row: its targets per medium (minutes; empty: the default) and its hours."""
    if user.role != "admin":
        raise HTTPException(403, "targets and business hours are an admin's")
    if await session.get(Group, group_id) is None:
        raise HTTPException(404, "no such group")
    form = await request.form()
    try:
        week = hours.parse(spec)
        for medium in MEDIA:
            minutes = [str(form.get(f"{medium}_{s}", "")).strip() for s in WORK_STATES]
            await _save_targets(session, group_id, medium, minutes)
    except (hours.HoursError, ValueError) as error:
        return RedirectResponse(f"/console/setup?{urlencode({'error': str(error)})}", 303)
    if any(week):
        await sla_service.put_hours(session, group_id=group_id, spec=hours.to_spec(week))
    else:
        await sla_service.delete_hours(session, group_id=group_id)
    background.add_task(live_store.of(request.app).reload_sla)
    return RedirectResponse("/console/setup", status_code=303)


async def _save_targets(
    session: SessionDep, group_id: str, medium: str, minutes: list[str]
) -> None:
    """Empty fields everywhere: the defaults again; ``-`` in a field: no target there."""
    if not any(minutes):
        await sla_service.delete_target(session, group_id=group_id, medium=medium)
        return
    default = DEFAULT_TARGETS[medium]
    values: dict[str, float | None] = {}
    for state, text in zip(WORK_STATES, minutes, strict=True):
        if text == "-":
            values[state] = None
        elif text:
            values[state] = float(text.replace(",", ".")) * 60
            if values[state] < 0:  # type: ignore[operator]
                raise ValueError("a target cannot be negative")
        else:
            values[state] = getattr(default, state)
    await sla_service.put_target(session, values={"group_id": group_id, "medium": medium, **values})
