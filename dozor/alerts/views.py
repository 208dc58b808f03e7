"""HTML pages of alerts: the alert log (``/alerts``) and the rules (``/alerts/rules``).

Admins and supervisors only (operators get 403), as the console: a supervisor sees and sets
the rules of their groups and of the operators in them, and the log rows about those.
"""

from collections import defaultdict
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from dozor.alerts import evaluator, forms, log, service, texts
from dozor.alerts.models import KINDS, ZONES, AlertRule
from dozor.auth.csrf import CsrfDep
from dozor.auth.models import User
from dozor.console import indicators
from dozor.console import service as console_service
from dozor.console.views import ConsoleUserDep
from dozor.deps import ClockDep, SessionDep, SettingsDep
from dozor.live import store as live_store
from dozor.metrics.windows import WINDOWS
from dozor.templating import Templates, TemplatesDep

router = APIRouter(include_in_schema=False)


@router.get("/alerts")
async def log_page(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    settings: SettingsDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    """The alert log, filtered by the query string (the form's fields, or the API's)."""
    groups = await console_service.visible_groups(session, user)
    params = _log_params(request.query_params)
    query, found, error = log.LogQuery(), log.Page([], None), ""
    try:
        query = log.LogQuery.model_validate(params)
        found = await log.page(
            session, query=query, groups=groups, zone=ZoneInfo(settings.timezone)
        )
    except ValidationError as problem:
        error = ", ".join(sorted({str(e["loc"][0]) for e in problem.errors()}))
    except log.CursorError:
        error = "cursor"
    return templates.render(
        request,
        "alerts/log.html",
        user=user,
        query=query,
        entries=found.entries,
        next_link=_with(params, cursor=found.next_cursor) if found.next_cursor else None,
        first_link=_with(params, cursor=None) if query.cursor else None,
        error=error,
        status_code=422 if error else 200,
        rules=await service.listing(session, visible=groups),
        window_labels=texts.WINDOWS,
        **_choices(request, groups),
    )


def _log_params(params: QueryParams) -> dict[str, Any]:
    """The query string as ``LogQuery`` reads it: empty fields dropped; the form's ``target``
    (``all:``, ``group:ID``, ``operator:ID``) split into scope and scope id."""
    found: dict[str, Any] = {k: v for k, v in params.items() if v and k not in ("kind", "target")}
    found["kind"] = [k for k in params.getlist("kind") if k]
    if target := params.get("target"):
        found["scope"], _, found["scope_id"] = target.partition(":")
    return found


def _with(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    if "scope" in merged:
        merged["target"] = f"{merged.pop('scope')}:{merged.pop('scope_id', '')}"
    pairs = [
        (k, item)
        for k, v in merged.items()
        if v is not None
        for item in (v if isinstance(v, list) else [v])
    ]
    return "/alerts?" + urlencode(pairs)


def _choices(request: Request, groups: frozenset[str] | None) -> dict[str, Any]:
    """The indicators, kinds, zones, and the groups and operators in sight (``groups``)."""
    state = live_store.of(request.app).state
    return {
        "indicators": indicators.INDICATORS,
        "by_key": indicators.BY_KEY,
        "show": indicators.show,
        "kinds": KINDS,
        "zones": ZONES,
        "groups": sorted(
            (i.name, g) for g, i in state.groups.items() if groups is None or g in groups
        ),
        "operators": sorted(
            (o.name, o.id) for o in state.operators.values() if groups is None or o.groups & groups
        ),
    }


# -- the rules --------------------------------------------------------------------------------


@router.get("/alerts/rules")
async def rules_page(
    request: Request, user: ConsoleUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    """The rules the user may change, each with its zone now for each of its scope ids."""
    groups = await console_service.visible_groups(session, user)
    zones: defaultdict[int, list[Any]] = defaultdict(list)
    for current in request.app.state.alert_evaluator.states(groups):
        zones[current.rule_id].append(current)
    return templates.render(
        request,
        "alerts/rules.html",
        user=user,
        rules=await service.listing(session, visible=groups),
        window_labels=texts.WINDOWS,
        zones=zones,
        names=_names(request),
        by_key=indicators.BY_KEY,
        show=indicators.show,
    )


@router.get("/alerts/rules/new")
async def new_rule(
    request: Request, user: ConsoleUserDep, session: SessionDep, templates: TemplatesDep
) -> HTMLResponse:
    return await _form(request, templates, session, user, form=forms.blank(), rule=None)


@router.post("/alerts/rules/new", dependencies=[CsrfDep])
async def create_rule(
    request: Request,
    user: ConsoleUserDep,
    session: SessionDep,
    clock: ClockDep,
    templates: TemplatesDep,
    background: BackgroundTasks,
) -> Response:
    form = forms.submitted(await request.form())
    try:
        rule = await _save(session, user, form, rule=None, now=clock.now())
    except service.RuleError as error:
        return await _form(request, templates, session, user, form=form, rule=None, error=error)
    background.add_task(evaluator.reload, request.app)
    return RedirectResponse(f"/alerts/rules/{rule.id}?saved=1", status_code=303)


@router.get("/alerts/rules/{rule_id:int}")
async def rule_page(
    request: Request,
    rule_id: int,
    user: ConsoleUserDep,
    session: SessionDep,
    templates: TemplatesDep,
    saved: bool = False,
) -> HTMLResponse:
    rule = await _rule(session, user, rule_id)
    form = forms.of_rule(rule)
    return await _form(request, templates, session, user, form=form, rule=rule, saved=saved)


@router.post("/alerts/rules/{rule_id:int}", dependencies=[CsrfDep])
async def change_rule(
    request: Request,
    rule_id: int,
    user: ConsoleUserDep,
    session: SessionDep,
    clock: ClockDep,
    templates: TemplatesDep,
    background: BackgroundTasks,
) -> Response:
    rule = await _rule(session, user, rule_id)
    form = forms.submitted(await request.form())
    try:
        await _save(session, user, form, rule=rule, now=clock.now())
    except service.RuleError as error:
        return await _form(request, templates, session, user, form=form, rule=rule, error=error)
    background.add_task(evaluator.reload, request.app)
    return RedirectResponse(f"/alerts/rules/{rule.id}?saved=1", status_code=303)


@router.post("/alerts/rules/{rule_id:int}/enabled", dependencies=[CsrfDep])
async def switch_rule(
    request: Request,
    rule_id: int,
    user: ConsoleUserDep,
    session: SessionDep,
    clock: ClockDep,
    background: BackgroundTasks,
    enabled: Annotated[bool, Form()],
) -> Response:
    """Enable or disable a rule from the list (disabling forgets its zones)."""
    rule = await _rule(session, user, rule_id)
    form = {**forms.of_rule(rule), "enabled": enabled}
    try:
        await _save(session, user, form, rule=rule, now=clock.now())
    except service.RuleError:  # saved once, invalid now (a user since deleted): edit it
        return RedirectResponse(f"/alerts/rules/{rule.id}", status_code=303)
    background.add_task(evaluator.reload, request.app)
    return RedirectResponse("/alerts/rules", status_code=303)


@router.get("/alerts/rules/{rule_id:int}/delete")
async def confirm_delete(
    request: Request,
    rule_id: int,
    user: ConsoleUserDep,
    session: SessionDep,
    templates: TemplatesDep,
) -> HTMLResponse:
    rule = await _rule(session, user, rule_id)
    return templates.render(request, "alerts/delete.html", user=user, rule=rule)


@router.post("/alerts/rules/{rule_id:int}/delete", dependencies=[CsrfDep])
async def delete_rule(
    request: Request,
    rule_id: int,
    user: ConsoleUserDep,
    session: SessionDep,
    background: BackgroundTasks,
) -> Response:
    await service.remove(session, rule=await _rule(session, user, rule_id))
    background.add_task(evaluator.reload, request.app)
    return RedirectResponse("/alerts/rules", status_code=303)


async def _rule(session: AsyncSession, user: User, rule_id: int) -> AlertRule:
    groups = await console_service.visible_groups(session, user)
    rule = await service.get(session, visible=groups, rule_id=rule_id)
    if rule is None:
        raise HTTPException(404, "no such alert rule, or not yours")
    return rule


async def _save(
    session: AsyncSession,
    user: User,
    form: dict[str, Any],
    *,
    rule: AlertRule | None,
    now: datetime,
) -> AlertRule:
    """``RuleError`` for the form to show; a scope not the user's is a 403 (the form offers
    only theirs)."""
    try:
        return await service.save(
            session,
            visible=await console_service.visible_groups(session, user),
            values=forms.fields(form),
            rule=rule,
            user_id=user.id,
            now=now,
        )
    except service.Forbidden as error:
        raise HTTPException(403, str(error)) from None


async def _form(
    request: Request,
    templates: Templates,
    session: AsyncSession,
    user: User,
    *,
    form: dict[str, Any],
    rule: AlertRule | None,
    error: service.RuleError | None = None,
    saved: bool = False,
) -> HTMLResponse:
    """The rule form, with the scopes the user may set and the users who have an e-mail."""
    groups = await console_service.visible_groups(session, user)
    choices = _choices(request, groups)
    people = await session.execute(
        select(User.id, User.name, User.email).where(User.email.is_not(None)).order_by(User.name)
    )
    return templates.render(
        request,
        "alerts/rule.html",
        user=user,
        form=form,
        rule=rule,
        error=error,
        saved=saved,
        windows=WINDOWS,
        window_labels=texts.WINDOWS,
        people=people.all(),
        status_code=422 if error else 200,
        **choices,
    )


def _names(request: Request) -> dict[str, dict[str, str]]:
    state = live_store.of(request.app).state
    return {
        "group": {g: info.name for g, info in state.groups.items()},
        "operator": {o: op.name for o, op in state.operators.items()},
    }
