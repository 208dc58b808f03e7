"""The zone of one alert rule for one scope, judged value after value. Pure: no I/O, no clock.

A ``Track`` is what is remembered between two evaluations (the ``alert_states`` row); ``step``
judges a new value at a moment and says what, if anything, must be told (docs/alerts.md):

1. The raw zone of the value is ``zones.zone`` of the rule's levels; a missing level never
   fires, a value of None (nothing to measure) is ok.
2. Hysteresis: a zone is left toward a better one only once the value is past that zone's
   level by ``hysteresis`` on the good side; a worse zone is entered on reaching its level.
3. Minimum duration: a zone other than the current one must be the candidate for
   ``min_duration`` seconds before it becomes the zone; a new candidate starts afresh.
4. Notices: ``yellow`` / ``red`` on entering them, ``recovered`` on entering ok, ``repeat``
   while red every ``repeat_every`` seconds after the last notice (0: never).
"""

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from dozor.console import zones
from dozor.console.zones import Zone

Kind = Literal["yellow", "red", "recovered", "repeat"]
RANK: dict[Zone, int] = {"ok": 0, "yellow": 1, "red": 2}
_BETTER: dict[Zone, Zone] = {"red": "yellow", "yellow": "ok"}


@dataclass(frozen=True, slots=True)
class Levels:
    """A rule's yellow and red levels (either may be missing) and which way is worse."""

    yellow: float | None
    red: float | None
    worse: zones.Worse = "higher"

    def level(self) -> zones.Level:
        """As ``zones.zone`` takes them: a missing red is never reached, a missing yellow
        coincides with red (so the value goes from ok straight to red)."""
        never = math.inf if self.worse == "higher" else -math.inf
        critical = never if self.red is None else self.red
        return zones.Level(critical if self.yellow is None else self.yellow, critical, self.worse)

    def of(self, zone: Zone) -> float | None:
        return {"yellow": self.yellow, "red": self.red}.get(zone)


@dataclass(frozen=True, slots=True)
class Track:
    """The zone held since ``since``, the candidate waiting for its minimum duration, when the
    last notice went out, and the last value judged."""

    zone: Zone
    since: datetime
    pending_zone: Zone | None = None
    pending_since: datetime | None = None
    notified_at: datetime | None = None
    value: float | None = None

    def key(self) -> tuple[object, ...]:
        """What is stored of it: everything but the value, which moves all the time."""
        return (self.zone, self.since, self.pending_zone, self.pending_since, self.notified_at)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something to tell: the log row's kind, the zones, the level crossed or left, and when
    the zone now held began."""

    kind: Kind
    zone_from: Zone
    zone_to: Zone
    threshold: float | None
    since: datetime


def judged(value: float | None, levels: Levels, current: Zone, hysteresis: float) -> Zone:
    """The zone ``value`` belongs to, for a track now in ``current``: worse zones are entered
    at their level, better ones only once the value is past the held zone's level by
    ``hysteresis`` (each zone in between judged the same way)."""
    if value is None:
        return "ok"
    level = levels.level()
    raw = zones.zone(value, level)
    if RANK[raw] >= RANK[current]:
        return raw
    found, sign = current, 1 if levels.worse == "higher" else -1
    while RANK[found] > RANK[raw]:
        line = level.critical if found == "red" else level.warning
        if not sign * value < sign * line - hysteresis:
            break
        found = _BETTER[found]
    return found


def step(
    levels: Levels,
    track: Track,
    value: float | None,
    now: datetime,
    *,
    hysteresis: float,
    min_duration: float,
    repeat_every: float,
) -> tuple[Track, Notice | None]:
    """The track after judging ``value`` at ``now``, and the notice it owes, if any."""
    candidate = judged(value, levels, track.zone, hysteresis)
    track = replace(track, value=value)
    if candidate == track.zone:
        track = replace(track, pending_zone=None, pending_since=None)
        return _repeat(levels, track, now, repeat_every)
    if candidate != track.pending_zone or track.pending_since is None:
        track = replace(track, pending_zone=candidate, pending_since=now)
    assert track.pending_since is not None
    if (now - track.pending_since).total_seconds() < min_duration:
        return _repeat(levels, track, now, repeat_every)
    since = track.pending_since
    notice = Notice(
        kind="recovered" if candidate == "ok" else candidate,
        zone_from=track.zone,
        zone_to=candidate,
        threshold=_threshold(levels, track.zone, candidate),
        since=since,
    )
    entered = Track(candidate, since, notified_at=now, value=value)
    return entered, notice


def _repeat(
    levels: Levels, track: Track, now: datetime, repeat_every: float
) -> tuple[Track, Notice | None]:
    """While red, a reminder every ``repeat_every`` seconds after the last notice."""
    if track.zone != "red" or repeat_every <= 0:
        return track, None
    last = track.notified_at or track.since
    if (now - last).total_seconds() < repeat_every:
        return track, None
    notice = Notice("repeat", "red", "red", levels.red, track.since)
    return replace(track, notified_at=now), notice


def _threshold(levels: Levels, left: Zone, entered: Zone) -> float | None:
    """The level crossed: entering a worse zone, its own; back toward a better one, the level
    of the zone left (the e-mail says "back under the red level")."""
    return levels.of(entered) if RANK[entered] > RANK[left] else levels.of(left)
