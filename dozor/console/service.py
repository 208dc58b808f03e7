"""Thresholds, console preferences, and who may see and set what (queries; no commits)."""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.models import User, UserGroup
from dozor.console import indicators, zones
from dozor.console.models import ConsolePreference, Threshold
from dozor.db import upsert
from dozor.metrics.windows import WINDOWS
from dozor.operators.models import OperatorGroup

DEFAULT_WINDOW = "15m"


async def visible_groups(session: AsyncSession, user: User) -> frozenset[str] | None:
    """The groups a user supervises; None: all of them (an admin)."""
    if user.role == "admin":
        return None
    rows = await session.scalars(select(UserGroup.group_id).where(UserGroup.user_id == user.id))
    return frozenset(rows)


async def operator_groups(session: AsyncSession, operator_id: str) -> frozenset[str]:
    rows = await session.scalars(
        select(OperatorGroup.group_id).where(OperatorGroup.operator_id == operator_id)
    )
    return frozenset(rows)


async def may_set(
    session: AsyncSession, visible: frozenset[str] | None, *, scope: str, scope_id: str
) -> bool:
    """An admin sets any threshold; a supervisor those of their groups and of the operators in
    them, never the company's."""
    if visible is None:
        return True
    if scope == "group":
        return scope_id in visible
    if scope == "operator":
        return bool(await operator_groups(session, scope_id) & visible)
    return False


# -- thresholds -------------------------------------------------------------------------------


async def thresholds(session: AsyncSession) -> list[Threshold]:
    rows = await session.scalars(
        select(Threshold).order_by(Threshold.kpi, Threshold.scope, Threshold.scope_id)
    )
    return list(rows)


def rules(rows: list[Threshold]) -> list[zones.Rule]:
    return [
        zones.Rule(
            r.kpi,
            r.scope,
            r.scope_id,
            zones.Level(r.warning, r.critical, r.worse),  # type: ignore[arg-type]
        )
        for r in rows
    ]


async def put_threshold(session: AsyncSession, *, values: dict[str, Any]) -> Threshold:
    statement = upsert(
        Threshold.__table__,
        session.get_bind().dialect.name,
        key=["kpi", "scope", "scope_id"],
        update=["warning", "critical", "worse"],
    )
    await session.execute(statement, values)
    found = await session.scalar(
        select(Threshold)
        .where(
            Threshold.kpi == values["kpi"],
            Threshold.scope == values["scope"],
            Threshold.scope_id == values["scope_id"],
        )
        .execution_options(populate_existing=True)
    )
    assert found is not None
    return found


async def threshold(session: AsyncSession, threshold_id: int) -> Threshold | None:
    return await session.get(Threshold, threshold_id)


async def delete_threshold(session: AsyncSession, *, threshold_id: int) -> None:
    await session.execute(delete(Threshold).where(Threshold.id == threshold_id))


# -- preferences ------------------------------------------------------------------------------


def clean(value: dict[str, Any] | None) -> dict[str, Any]:
    """A user's saved choices, with defaults for what is missing or no longer known."""
    value = value or {}
    asked = set(value.get("kpis") or [])
    chosen = [k for k in indicators.KEYS if k in asked]  # shown in the catalogue's order
    window = value.get("window")
    return {
        "kpis": chosen or list(indicators.DEFAULT),
        "groups": [str(g) for g in value.get("groups") or []],
        "operators": [str(o) for o in value.get("operators") or []],
        "window": window if window in WINDOWS else DEFAULT_WINDOW,
        "sound": value.get("sound") is True,  # a beep when the alert banner gains an alert
    }


async def preferences(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    value = await session.scalar(
        select(ConsolePreference.value).where(ConsolePreference.user_id == user_id)
    )
    return clean(value)


async def put_preferences(session: AsyncSession, *, user_id: int, value: dict[str, Any]) -> None:
    statement = upsert(
        ConsolePreference.__table__,
        session.get_bind().dialect.name,
        key=["user_id"],
        update=["value"],
    )
    await session.execute(statement, {"user_id": user_id, "value": clean(value)})
