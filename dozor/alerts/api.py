"""JSON API of the alert rules and their current zones.

Who may do what is ``alerts/service.py``'s: an integration's API token and an admin every rule,
a supervisor the rules on their groups and their operators (others answer 404), nobody else
any. A browser session that changes a rule sends its CSRF token in ``X-CSRF-Token``.
"""

from typing import Any

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request

from dozor.alerts import evaluator, service
from dozor.alerts.models import AlertRule
from dozor.alerts.schemas import RuleIn, RuleOut, StateOut
from dozor.auth import csrf
from dozor.auth.deps import Caller, CallerDep
from dozor.console import service as console_service
from dozor.deps import ClockDep, SessionDep

router = APIRouter(prefix="/api/v1", tags=["alerts"])
CHANGES = [Depends(csrf.require_for_api)]
ABSENT: dict[int | str, dict[str, Any]] = {404: {"description": "No such rule, or not yours"}}
REFUSED: dict[int | str, dict[str, Any]] = {
    403: {"description": "Not a supervisor or admin, or a scope not yours"},
    422: {"description": "The rule cannot be saved: `detail` names the field"},
}


async def _visible(session: SessionDep, caller: Caller) -> frozenset[str] | None:
    """The groups in the caller's sight; None: all (an admin or an integration's token)."""
    if caller.token is not None:
        return None
    user = caller.user
    if user is None or user.role not in ("admin", "supervisor"):
        raise HTTPException(403, "alert rules are for supervisors and admins")
    return await console_service.visible_groups(session, user)


async def _rule(session: SessionDep, caller: Caller, rule_id: int) -> AlertRule:
    visible = await _visible(session, caller)
    rule = await service.get(session, visible=visible, rule_id=rule_id)
    if rule is None:
        raise HTTPException(404, f"no alert rule {rule_id}")
    return rule


def _invalid(error: service.RuleError) -> HTTPException:
    """As FastAPI words a body's field errors."""
    where = {"loc": ["body", error.field], "msg": str(error), "type": "value_error"}
    return HTTPException(422, [where])


async def _save(
    session: SessionDep,
    caller: Caller,
    body: RuleIn,
    clock: ClockDep,
    *,
    rule: AlertRule | None = None,
) -> AlertRule:
    try:
        return await service.save(
            session,
            visible=await _visible(session, caller),
            values=service.Fields(**body.model_dump()),
            rule=rule,
            user_id=caller.user.id if caller.user else None,
            now=clock.now(),
        )
    except service.RuleError as error:
        raise _invalid(error) from None
    except service.Forbidden as error:
        raise HTTPException(403, str(error)) from None


@router.get("/alert-rules", response_model=list[RuleOut])
async def list_rules(session: SessionDep, caller: CallerDep) -> Any:
    """The rules the caller may change."""
    return await service.listing(session, visible=await _visible(session, caller))


@router.post(
    "/alert-rules", response_model=RuleOut, status_code=201, responses=REFUSED, dependencies=CHANGES
)
async def create_rule(
    body: RuleIn,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    request: Request,
    background: BackgroundTasks,
) -> Any:
    """A new rule; judged from the next evaluation on (a zone already reached is told)."""
    rule = await _save(session, caller, body, clock)
    background.add_task(evaluator.reload, request.app)
    return rule


@router.get("/alert-rules/{rule_id}", response_model=RuleOut, responses=ABSENT)
async def get_rule(rule_id: int, session: SessionDep, caller: CallerDep) -> Any:
    return await _rule(session, caller, rule_id)


@router.put(
    "/alert-rules/{rule_id}",
    response_model=RuleOut,
    responses=ABSENT | REFUSED,
    dependencies=CHANGES,
)
async def put_rule(
    rule_id: int,
    body: RuleIn,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    request: Request,
    background: BackgroundTasks,
) -> Any:
    """Replace a rule. The zones of the scope ids it keeps stay; disabling drops them all
    (no recovery is told)."""
    rule = await _save(session, caller, body, clock, rule=await _rule(session, caller, rule_id))
    background.add_task(evaluator.reload, request.app)
    return rule


@router.delete("/alert-rules/{rule_id}", status_code=204, responses=ABSENT, dependencies=CHANGES)
async def delete_rule(
    rule_id: int,
    session: SessionDep,
    caller: CallerDep,
    request: Request,
    background: BackgroundTasks,
) -> None:
    """Delete a rule and its zones; what it logged stays in the alert log."""
    await service.remove(session, rule=await _rule(session, caller, rule_id))
    background.add_task(evaluator.reload, request.app)


@router.get("/alert-states", response_model=list[StateOut])
async def list_states(session: SessionDep, caller: CallerDep, request: Request) -> Any:
    """The zone now of every rule and scope id in the caller's sight (a supervisor: their
    groups and their operators), red first, then yellow, then ok; the oldest first."""
    visible = await _visible(session, caller)
    return request.app.state.alert_evaluator.states(visible)
