"""Drawing a console: the HTML of each block for a view, at a frame of the live state.

A drawing is kept per (view, watch, language, frame) and shared by every console that asks
for it, so two hundred consoles showing the same view cost one drawing per frame.
"""

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from dozor.alerts import tiles
from dozor.auth.models import User
from dozor.console import blocks, indicators, panel, zones
from dozor.console.view import View
from dozor.live.store import LiveStore
from dozor.metrics.records import Scope
from dozor.templating import Templates

BLOCKS = ("operators", "inwork", "load", "kpis", "list", "alerts")


@dataclass(frozen=True)
class Watch:
    """The user's KPI panel choices (``console_preferences``) and the thresholds."""

    kpis: tuple[str, ...]
    groups: tuple[str, ...]
    operators: tuple[str, ...]
    window: str


@dataclass
class Drawer:
    store: LiveStore
    templates: Templates
    kpi_cache: panel.KpiCache
    thresholds: tuple[zones.Rule, ...] = ()  # read at start and after every change
    # the alert evaluator once it runs (the banner, and the tiles' levels from its rules)
    alerts: Callable[[], Any] = lambda: None
    _drawings: dict[tuple[Any, ...], "asyncio.Task[dict[str, str]]"] = field(default_factory=dict)

    async def draw(
        self, request: Request, user: User, view: View, watch: Watch, frame: int
    ) -> dict[str, str]:
        language = self.templates.language(request)
        key = (view.key, watch, language, frame)
        if key not in self._drawings:
            for old in [k for k in self._drawings if k[-1] < frame - 1]:
                del self._drawings[old]
            self._drawings[key] = asyncio.create_task(self._draw(request, user, view, watch))
        return await asyncio.shield(self._drawings[key])

    async def _draw(self, request: Request, user: User, view: View, watch: Watch) -> dict[str, str]:
        """Each block as the server-sent event that carries it, written once for all."""
        context = await self.context(view, watch)
        return {
            name: message(
                name,
                bytes(
                    self.templates.render(
                        request, f"console/_{name}.html", user=user, **context
                    ).body
                ).decode(),
            )
            for name in BLOCKS
        }

    async def context(self, view: View, watch: Watch) -> dict[str, Any]:
        """What the block templates are drawn from (the page draws them too)."""
        state, now = self.store.state, self.store.clock.now()
        state.flip(now)  # what turned overdue since the deadline watch last looked
        items, total = blocks.listed(state, view)
        window = view.window or watch.window
        evaluator = self.alerts()
        watched = evaluator.rules.values() if evaluator is not None else ()
        return {
            "view": view,
            "console": blocks.console(state, view, now),
            "items": items,
            "list_total": total,
            "kpi_rows": await panel.rows(
                self.kpi_cache,
                scopes=scopes(state, view, watch),
                chosen=list(watch.kpis),
                window=window,
                thresholds=tiles.levels(self.thresholds, watched, window),
            ),
            "window": window,
            "alerts": evaluator.active(view.visible) if evaluator is not None else [],
            "by_key": indicators.BY_KEY,
            "show": indicators.show,
            "names": {
                "group": {g: info.name for g, info in state.groups.items()},
                "operator": {o: op.name for o, op in state.operators.items()},
                "channel": state.channels,
                "topic": state.topics,
            },
        }


def message(event: str, html: str) -> str:
    """One server-sent event; every line of the HTML is a ``data:`` line of it."""
    data = "\n".join(f"data: {line}" for line in html.splitlines() or [""])
    return f"event: {event}\n{data}\n\n"


def scopes(state: Any, view: View, watch: Watch) -> list[tuple[str, str, str, Scope]]:
    """The KPI panel's rows: the console's own scope, then the groups and the operators the
    user watches, of those in sight."""
    own = view.visible
    if view.groups:
        own = view.groups if view.visible is None else view.groups & view.visible
    if own is not None and not own:
        own = frozenset({""})  # a supervisor of no group: a scope that takes nothing
    own_scope = Scope(groups=own or frozenset(), channels=view.channels)
    # one group in sight (a supervisor of one group, or a filter): the row is that group's,
    # judged by its own thresholds and rules
    single = next(iter(own)) if own is not None and len(own) == 1 else None
    if single in state.groups:
        found = [("group", single, state.groups[single].name, own_scope)]
    else:
        found = [("all", "", "", own_scope)]
    for group_id in watch.groups:
        if group_id in state.groups and view.sees_group(group_id):
            scope = Scope(groups=frozenset({group_id}), channels=view.channels)
            found.append(("group", group_id, state.groups[group_id].name, scope))
    for operator_id in watch.operators:
        operator = state.operators.get(operator_id)
        if operator is not None and view.sees_operator(operator.groups):
            scope = Scope(operators=frozenset({operator_id}), channels=view.channels)
            found.append(("operator", operator_id, operator.name, scope))
    return found
