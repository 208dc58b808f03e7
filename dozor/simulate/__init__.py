"""The demo's simulated contact center (``dozor demo``), also a source of realistic events.

``generate(seed: int, start: datetime, hours: float, *, zone: tzinfo = Europe/Moscow)
-> Iterator[dict]`` yields the events of ``hours`` of a simulated center starting at ``start``
(an aware datetime), as JSON-ready dicts of the event contract v1 (``ts`` an RFC 3339 string in
UTC), in time order. The same seed and start always give the same events, ids included; the
ids begin with ``sim{seed}-{start}`` so runs from different starts never collide. The daily
profile follows the local hour in ``zone``. About 2,500 events per simulated peak hour;
100,000 take a few seconds.

The modules: ``center`` (groups, channels, operators), ``model`` (rates, profile, durations),
``engine`` (the discrete-event simulation), ``flows`` (its processes), ``setup`` (the demo's
directory rows and users), ``runner`` (releases the events to the writer as a clock advances).
"""

from collections.abc import Iterator
from datetime import datetime, tzinfo
from typing import Any

from dozor.simulate.engine import DEFAULT_ZONE, Simulation

STEP = 60.0  # seconds simulated per slice: keeps memory flat for long runs


def generate(
    seed: int, start: datetime, hours: float, *, zone: tzinfo = DEFAULT_ZONE
) -> Iterator[dict[str, Any]]:
    """The events of ``hours`` simulated hours from ``start``, in time order."""
    simulation = Simulation(seed, start, zone=zone)
    end = hours * 3600
    until = 0.0
    while until < end:
        until = min(until + STEP, end)
        yield from simulation.advance(until)


__all__ = ["Simulation", "generate"]
