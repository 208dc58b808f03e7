"""The alert evaluator: every enabled rule judged for each of its scope ids, on every frame of
the live state and at least every ``DOZOR_ALERT_INTERVAL`` seconds (waits and windows move with
time alone), at most every ``MIN_GAP`` seconds.

The values are the console's: ``KpiCache.values(scope, window)`` computes each (scope, window)
once for every console and rule that shows or watches it. The zones are ``judge.step``'s. What
the evaluator decides is written before it is believed:

- a notice (a zone entered, a repetition while red) is one write transaction: the
  ``alert_states`` row, the ``alert_log`` row and the deliveries ``outbox.owe`` adds to it;
- a candidate zone waiting for its minimum duration is written too (a restart keeps the
  progress), all such changes of a tick in one transaction; nothing is written when nothing
  changed (the value alone is kept in memory).

A failed write is logged and judged again on the next tick: the track in memory moves only once
its row is committed. Before writing, the transaction locks the rule and compares the stored
state with the one this process last saw: if another process (a restart overlapping, a second
node) decided meanwhile, its decision is taken and nothing is announced twice.

Ingest and the consoles never wait for the evaluator: it only reads the live state and the
shared cache, and writes on its own task.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.alerts import judge, outbox
from dozor.alerts.models import AlertLog, AlertRule, AlertState
from dozor.clock import Clock
from dozor.config import Settings
from dozor.console.panel import KpiCache
from dozor.console.zones import Zone
from dozor.db import upsert
from dozor.live.store import LiveStore
from dozor.metrics.records import Scope

log = logging.getLogger(__name__)
MIN_GAP = 0.5  # seconds at least between two ticks of the loop
Key = tuple[int, str]  # (rule id, scope id)
# the columns of ``alert_states`` a ``judge.Track`` holds, in its order
COLUMNS = ("zone", "since", "pending_zone", "pending_since", "notified_at", "value")


@dataclass(frozen=True)
class Current:
    """A rule's zone for one scope id, as the console's banner and ``GET /api/v1/alert-states``
    show it. ``scope_id`` is "" and ``scope_name`` "" for the company; ``value`` is the last
    one judged (None: nothing to measure); ``since`` is when the zone began."""

    rule_id: int
    rule_name: str
    indicator: str
    window: str
    scope: str  # all / group / operator
    scope_id: str
    scope_name: str
    zone: Zone
    value: float | None
    since: datetime


@dataclass(frozen=True)
class Watched:
    """An enabled rule as evaluated: a copy of its row, taken when the rules are read."""

    id: int
    name: str
    indicator: str
    window: str
    scope: str
    scope_ids: tuple[str, ...]
    levels: judge.Levels
    hysteresis: float
    min_duration: float
    repeat_every: float
    updated_at: datetime

    @classmethod
    def of(cls, rule: AlertRule) -> "Watched":
        return cls(
            id=rule.id,
            name=rule.name,
            indicator=rule.indicator,
            window=rule.window,
            scope=rule.scope,
            scope_ids=tuple(rule.scope_ids) if rule.scope != "all" else ("",),
            levels=judge.Levels(rule.yellow, rule.red, rule.worse),  # type: ignore[arg-type]
            hysteresis=rule.hysteresis,
            min_duration=rule.min_duration,
            repeat_every=rule.repeat_every,
            updated_at=rule.updated_at,
        )

    def scope_of(self, scope_id: str) -> Scope:
        if self.scope == "group":
            return Scope(groups=frozenset({scope_id}))
        if self.scope == "operator":
            return Scope(operators=frozenset({scope_id}))
        return Scope()


@dataclass
class Evaluator:
    sessions: async_sessionmaker[AsyncSession]  # reads
    write_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    store: LiveStore
    cache: KpiCache
    rules: dict[int, Watched] = field(default_factory=dict)
    tracks: dict[Key, judge.Track] = field(default_factory=dict)
    saved: dict[Key, tuple[object, ...]] = field(default_factory=dict)  # Track.key() stored
    _stale: bool = False  # a rule changed in the database since it was read
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _task: "asyncio.Task[None] | None" = None

    # -- what the console and the API read -----------------------------------------------------

    def states(self, visible: frozenset[str] | None) -> list[Current]:
        """The zone of every rule and scope id in sight of a user (``visible`` as
        ``console.service.visible_groups`` gives it; None: all, an admin): a supervisor sees
        their groups and the operators in them, not the company. Red first, then the oldest."""
        state, found = self.store.state, []
        for (rule_id, scope_id), track in self.tracks.items():
            rule = self.rules.get(rule_id)
            if rule is None or not _sees(visible, rule.scope, scope_id, state):
                continue
            name = _name(state, rule.scope, scope_id)
            about = (rule.id, rule.name, rule.indicator, rule.window, rule.scope)
            found.append(Current(*about, scope_id, name, track.zone, track.value, track.since))
        return sorted(found, key=lambda c: (-judge.RANK[c.zone], c.since, c.rule_id, c.scope_id))

    def active(self, visible: frozenset[str] | None) -> list[Current]:
        """The yellow and red ones of ``states(visible)``: what the console's banner shows."""
        return [c for c in self.states(visible) if c.zone != "ok"]

    # -- the loop -------------------------------------------------------------------------------

    async def start(self) -> None:
        await self.reload()
        self._task = asyncio.create_task(self._run(), name="dozor-alert-evaluator")

    async def stop(self) -> None:
        """Let a tick being written finish, then stop."""
        if self._task is None:
            return
        async with self._lock:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        loop, seen = asyncio.get_running_loop(), self.store.frame
        while True:
            began = loop.time()
            try:
                await self.tick()
            except Exception:  # the database may be away for a moment: judged again next time
                log.exception("alert rules not evaluated; trying again")
            await asyncio.sleep(max(0.0, MIN_GAP - (loop.time() - began)))
            seen = await self.store.next_frame(seen, self.settings.alert_interval)

    async def reload(self) -> None:
        """Read the enabled rules and their states again (after a rule was saved or deleted)."""
        async with self._lock:
            await self._load()

    async def _load(self) -> None:
        async with self.sessions() as session:
            rules = list(await session.scalars(select(AlertRule).where(AlertRule.enabled)))
            rows = list(await session.scalars(select(AlertState)))
        self.rules = {r.id: Watched.of(r) for r in rules}
        valid = {(r.id, s) for r in self.rules.values() for s in r.scope_ids}
        tracks, saved = {}, {}
        for row in rows:
            key = (row.rule_id, row.scope_id)
            if key not in valid:
                continue
            track = _track(row)
            saved[key] = track.key()
            known = self.tracks.get(key)
            tracks[key] = replace(track, value=known.value) if known else track
        for key, track in self.tracks.items():  # judged ok, never written: nothing to lose
            if key in valid and key not in tracks and key not in self.saved:
                tracks[key] = track
        self.tracks, self.saved, self._stale = tracks, saved, False

    # -- a tick ---------------------------------------------------------------------------------

    async def tick(self) -> list[AlertLog]:
        """Judge every rule and scope id now; the log rows written."""
        async with self._lock:
            if self._stale:
                await self._load()
            now, written, quiet = self.clock.now(), [], {}
            for rule in list(self.rules.values()):
                for scope_id in rule.scope_ids:
                    key = (rule.id, scope_id)
                    values = await self.cache.values(rule.scope_of(scope_id), rule.window)
                    old = self.tracks.get(key) or judge.Track("ok", now)
                    new, notice = judge.step(
                        rule.levels,
                        old,
                        _number(values.get(rule.indicator)),
                        now,
                        hysteresis=rule.hysteresis,
                        min_duration=rule.min_duration,
                        repeat_every=rule.repeat_every,
                    )
                    if notice is not None:
                        # the track moves once the notice is written; else judged again
                        self.tracks[key] = replace(old, value=new.value)
                        if entry := await self._announce(rule, scope_id, new, notice, now):
                            written.append(entry)
                        continue
                    self.tracks[key] = new
                    stored = self.saved.get(key)
                    if new.key() != stored and (stored is not None or new.pending_zone):
                        quiet[key] = new
            if quiet:
                await self._save(quiet, now)
            return written

    async def _announce(
        self, rule: Watched, scope_id: str, track: judge.Track, notice: judge.Notice, now: datetime
    ) -> AlertLog | None:
        """1. Lock the rule; give up if it changed since it was read (it is read again).
        2. Compare the stored state with the one last seen: if another process decided
           meanwhile, take its decision and announce nothing.
        3. Write the state, the log row and its deliveries; commit. Then move the track."""
        key = (rule.id, scope_id)
        try:
            async with self.write_sessions() as session, session.begin():
                if not await self._current(session, [rule]):
                    return None
                row = await session.get(
                    AlertState, key, with_for_update=True, populate_existing=True
                )
                if (_track(row).key() if row else None) != self.saved.get(key):
                    self._adopt(key, row)
                    return None
                await session.execute(_upsert(session), [_values(key, track, now)])
                entry = _entry(rule, scope_id, track, notice, now)
                session.add(entry)
                await session.flush()
                owner = await session.get(AlertRule, rule.id)
                await outbox.owe(session, owner, entry, settings=self.settings, now=now)
        except Exception:
            log.exception("alert of rule %s for %r not written; trying again", rule.id, scope_id)
            return None
        self.tracks[key], self.saved[key] = track, track.key()
        return entry

    def _adopt(self, key: Key, row: AlertState | None) -> None:
        """The stored state, written by another process, becomes this one's."""
        if row is None:
            self.tracks.pop(key, None)
            self.saved.pop(key, None)
            return
        track = _track(row)
        self.tracks[key], self.saved[key] = track, track.key()

    async def _save(self, tracks: dict[Key, judge.Track], now: datetime) -> None:
        """The candidates waiting for their minimum duration, in one transaction."""
        try:
            async with self.write_sessions() as session, session.begin():
                ids = sorted({rule_id for rule_id, _ in tracks})
                current = await self._current(session, [self.rules[i] for i in ids])
                rows = [_values(k, t, now) for k, t in tracks.items() if k[0] in current]
                if rows:
                    await session.execute(_upsert(session), rows)
        except Exception:
            log.exception("alert states not written; trying again")
            return
        for key, track in tracks.items():
            if key[0] in current:
                self.saved[key] = track.key()

    async def _current(self, session: AsyncSession, rules: list[Watched]) -> set[int]:
        """Lock the rules' rows (until the commit); the ids of those unchanged since read."""
        found = await session.execute(
            select(AlertRule.id, AlertRule.updated_at, AlertRule.enabled)
            .where(AlertRule.id.in_([r.id for r in rules]))
            .order_by(AlertRule.id)
            .with_for_update()
        )
        unchanged = {
            rule_id
            for rule_id, updated_at, enabled in found
            if enabled and updated_at == self.rules[rule_id].updated_at
        }
        if len(unchanged) < len(rules):
            self._stale = True
        return unchanged


def _sees(visible: frozenset[str] | None, scope: str, scope_id: str, state: Any) -> bool:
    """``console.service.may_set``'s rule, answered from the live state's memberships."""
    if visible is None:
        return True
    if scope == "group":
        return scope_id in visible
    if scope == "operator":
        operator = state.operators.get(scope_id)
        return operator is not None and bool(operator.groups & visible)
    return False


def _name(state: Any, scope: str, scope_id: str) -> str:
    """The group's or operator's name as the live state knows it (its id if unknown)."""
    found = {"group": state.groups, "operator": state.operators}.get(scope, {}).get(scope_id)
    return found.name if found else scope_id


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _track(row: AlertState) -> judge.Track:
    return judge.Track(*(getattr(row, name) for name in COLUMNS))


def _values(key: Key, track: judge.Track, now: datetime) -> dict[str, Any]:
    fields = {name: getattr(track, name) for name in COLUMNS}
    return {"rule_id": key[0], "scope_id": key[1], "updated_at": now, **fields}


def _upsert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    key, update = ["rule_id", "scope_id"], [*COLUMNS, "updated_at"]
    return upsert(AlertState.__table__, dialect, key=key, update=update)


def _entry(
    rule: Watched, scope_id: str, track: judge.Track, notice: judge.Notice, now: datetime
) -> AlertLog:
    return AlertLog(
        rule_id=rule.id,
        rule_name=rule.name,
        indicator=rule.indicator,
        window=rule.window,
        scope=rule.scope,
        scope_id=scope_id,
        kind=notice.kind,
        zone_from=notice.zone_from,
        zone_to=notice.zone_to,
        value=track.value,
        threshold=notice.threshold,
        since=notice.since,
        at=now,
    )


async def start(app: FastAPI) -> None:
    """Startup hook, after the console's: its KPI cache is shared."""
    state = app.state
    state.alert_evaluator = Evaluator(
        state.sessions,
        state.write_sessions,
        state.clock,
        state.settings,
        state.live,
        state.console_drawer.kpi_cache,
    )
    await state.alert_evaluator.start()


async def stop(app: FastAPI) -> None:
    if (evaluator := getattr(app.state, "alert_evaluator", None)) is not None:
        await evaluator.stop()


async def reload(app: FastAPI) -> None:
    """After a rule was saved or deleted (and committed): evaluate the rules as they are now."""
    if (evaluator := getattr(app.state, "alert_evaluator", None)) is not None:
        await evaluator.reload()
        app.state.live.changed()
