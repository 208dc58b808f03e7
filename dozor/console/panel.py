"""The KPI panel (seed 003): ``dozor.metrics.kpis.compute`` over the live records, the same
function ``GET /api/v1/kpis`` runs over stored data, for the scopes a supervisor watches.

Computing every KPI walks every record, so values are kept per (scope, window) and shared by
all the consoles that show them: computed again when the state changed, but no sooner than
``PAUSE`` seconds or four times the last computation's time after the previous one, and every
``STALE`` seconds anyway (the waits grow with time alone) — of real time or of the app's clock,
whichever moved more (the demo's clock may run faster than real time). The walk runs in a
worker thread over immutable records, and a drawing never waits for it once there are values
to show: the new ones come with the next frame.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dozor.console import indicators, zones
from dozor.live.state import LiveState
from dozor.live.store import LiveStore
from dozor.metrics import kpis, windows
from dozor.metrics.records import Agent, Contact, Rules, Scope

PAUSE = 0.5  # seconds at least between two computations of one (scope, window)
STALE = 5.0
FORGET = 120.0  # a scope nobody watched for this long is dropped


def narrow(contacts: Iterable[Contact], agents: Iterable[Agent], scope: Scope) -> list[Contact]:
    """The contacts that can change ``compute``'s result for ``scope``: those it takes as its
    own or as its queue's, and those of the operators it takes (their activity). ``compute``
    over these equals ``compute`` over all (tests/console/test_panel.py)."""
    if not scope.groups and not scope.operators:
        return list(contacts)
    staff = {a.id for a in agents if scope.takes_agent(a)}
    return [
        c
        for c in contacts
        if c.operator_id in staff or scope.takes(c) or scope.takes(c, queue=True)
    ]


def compute(
    contacts: list[Contact], agents: list[Agent], window: windows.Window, scope: Scope, rules: Rules
) -> dict[str, kpis.Value]:
    return kpis.compute(narrow(contacts, agents, scope), agents, window, scope=scope, rules=rules)


def live_kpis(state: LiveState, scope: Scope, window: windows.Window) -> dict[str, kpis.Value]:
    """Every KPI of ``scope`` in ``window`` from the live state (synchronously)."""
    agents = state.agents()
    return compute(state.contacts(), agents, window, scope, state.rules())


@dataclass
class _Entry:
    values: dict[str, kpis.Value] | None = None
    version: int = -1
    at: float = float("-inf")
    clock_at: datetime | None = None  # the app's clock when ``at`` was
    pause: float = PAUSE
    used: float = 0.0
    running: "asyncio.Task[dict[str, kpis.Value]] | None" = None
    poked: bool = False


@dataclass
class KpiCache:
    store: LiveStore
    _entries: dict[tuple[Scope, str], _Entry] = field(default_factory=dict)

    async def values(self, scope: Scope, window_name: str) -> dict[str, kpis.Value]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._forget(now)
        entry = self._entries.setdefault((scope, window_name), _Entry())
        entry.used = now
        age, changed = now - entry.at, entry.version != self.store.state.version
        if entry.clock_at is not None:
            age = max(age, (self.store.clock.now() - entry.clock_at).total_seconds())
        if entry.values is None or age >= STALE or (changed and age >= entry.pause):
            if entry.running is None:
                entry.running = asyncio.create_task(self._compute(entry, scope, window_name))
        elif changed and not entry.poked:  # draw again once it may be computed again
            entry.poked = True
            loop.call_later(entry.pause - age, self._poke, entry)
        if entry.values is None:
            return await asyncio.shield(entry.running)  # type: ignore[arg-type]
        return entry.values

    def _poke(self, entry: _Entry) -> None:
        entry.poked = False
        self.store.changed()

    async def _compute(self, entry: _Entry, scope: Scope, window_name: str) -> dict[str, Any]:
        loop, state = asyncio.get_running_loop(), self.store.state
        version, began, clock_at = state.version, loop.time(), self.store.clock.now()
        window = windows.last(window_name, at=clock_at, timezone=self.store.timezone)  # type: ignore[arg-type]
        contacts, agents, rules = state.contacts(), state.agents(), state.rules()
        try:
            values = await asyncio.to_thread(compute, contacts, agents, window, scope, rules)
        finally:
            entry.running = None
        entry.values, entry.version, entry.at, entry.clock_at = values, version, began, clock_at
        # a long walk (a very large center) is not repeated back to back: it would starve
        # the event loop of the interpreter's lock, and with it every console's updates
        entry.pause = max(PAUSE, 4 * (loop.time() - began))
        self.store.changed()  # the consoles showing older values draw these
        return values

    def _forget(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if now - e.used > FORGET]:
            del self._entries[key]


# -- the rows of tiles a console shows --------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    zone: zones.Zone


@dataclass(frozen=True)
class Row:
    title: str  # a group's or an operator's name; empty for the console's own scope
    kind: str  # all / group / operator: which thresholds apply
    tiles: list[Tile]


async def rows(
    cache: KpiCache,
    *,
    scopes: list[tuple[str, str, str, Scope]],  # (kind, id, title, scope)
    chosen: list[str],
    window: str,
    thresholds: list[zones.Rule],
) -> list[Row]:
    found = []
    for kind, scope_id, title, scope in scopes:
        values = await cache.values(scope, window)
        tiles = []
        for key in chosen:
            indicator = indicators.BY_KEY[key]
            level = zones.pick(thresholds, key, kind, scope_id)
            value = values.get(key)
            tiles.append(
                Tile(
                    key,
                    indicator.label,
                    indicators.show(value, indicator.kind),
                    zones.zone(value, level),
                )
            )
        found.append(Row(title, kind, tiles))
    return found
