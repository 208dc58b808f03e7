"""``dozor demo``: the web app fed by a simulated contact center on a faster clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from dozor.app import create_app
from dozor.clock import ScaledClock
from dozor.config import Settings
from dozor.simulate.engine import Simulation
from dozor.simulate.runner import attach
from dozor.simulate.setup import USERS


def build_app(settings: Settings, *, start: datetime, seed: int, speed: float) -> FastAPI:
    """The app on a clock ``speed`` times faster than real time from ``start``, with the
    simulation of ``seed`` starting at the same moment: operators log in over its first minutes.
    Run ``setup.prepare`` first."""
    clock = ScaledClock(start=start, speed=speed)
    app = create_app(settings, clock=clock)
    attach(app, Simulation(seed, start, zone=ZoneInfo(settings.timezone)))
    return app


def banner(url: str, *, seed: int, speed: float) -> str:
    logins = "\n".join(f"  {username:<11} {password}" for username, _, password, _ in USERS)
    return (
        f"Dozor demo at {url}  (seed {seed}, clock ×{speed:g})\n"
        f"Log in as:\n{logins}\n"
        "Ctrl-C stops it."
    )
