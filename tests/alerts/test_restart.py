"""Killed between the decision and the delivery: real processes (``tests/alerts/crash_app.py``)
killed with SIGKILL, then started again on the same database. Exactly one e-mail arrives, and a
restarted app never sends again what was sent."""

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select as query

from dozor.alerts.delivery import LEASE
from dozor.alerts.models import AlertDelivery
from dozor.config import Settings
from tests.alerts.receivers import HeldSmtpServer
from tests.connectors.asterisk.helpers import rows
from tests.tasks.smtp import SmtpServer

ROOT = Path(__file__).parents[2]
LATER = str(LEASE.total_seconds() + 1)  # a restart once the dead worker's lease has run out


def _start(settings: Settings, smtp_port: int, *arguments: str) -> subprocess.Popen[str]:
    """``crash_app`` on the test's database, once it says it has decided or started."""
    env = {
        **os.environ,
        "DOZOR_DATA_DIR": str(settings.data_dir),
        "DOZOR_DATABASE_URL": settings.database_url,
        "DOZOR_SECRET_KEY": "test-secret",
        "DOZOR_SMTP_HOST": "127.0.0.1",
        "DOZOR_SMTP_PORT": str(smtp_port),
        "DOZOR_SMTP_STARTTLS": "false",
        "DOZOR_ALERT_DELIVERY_INTERVAL": "0.05",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.alerts.crash_app", *arguments],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    ready, _, _ = select.select([process.stdout], [], [], 60)
    line = process.stdout.readline() if ready else ""  # type: ignore[union-attr]
    if line.strip() not in ("decided", "started"):
        process.kill()
        raise AssertionError(line + process.communicate()[0])
    return process


def _kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait()


def _deliveries(settings: Settings) -> list[tuple[str, int]]:
    statement = query(AlertDelivery.status, AlertDelivery.attempts).order_by(AlertDelivery.id)
    return [(status, attempts) for status, attempts in rows(settings, statement)]


def _wait_for(check: Callable[[], bool], process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 30
    while not check():
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _idle_for_a_while(settings: Settings, smtp_port: int, *arguments: str) -> None:
    """A restarted app, running for a second (twenty rounds of its delivery worker)."""
    process = _start(settings, smtp_port, "serve", *arguments)
    time.sleep(1.0)
    assert process.poll() is None
    _kill(process)


def test_killed_after_the_decision_it_is_delivered_once_after_a_restart(
    settings: Settings,
) -> None:
    with SmtpServer() as smtp:
        decider = _start(settings, smtp.port, "decide")
        _kill(decider)
        assert _deliveries(settings) == [("pending", 0)]  # committed, not yet sent
        server = _start(settings, smtp.port, "serve")
        _wait_for(lambda: _deliveries(settings) == [("sent", 1)], server)
        _kill(server)
        assert [str(m["To"]) for m in smtp.messages] == ["duty@center.example"]
        _idle_for_a_while(settings, smtp.port)
    assert len(smtp.messages) == 1
    assert _deliveries(settings) == [("sent", 1)]


def test_killed_while_sending_it_is_sent_once_after_the_lease(settings: Settings) -> None:
    with HeldSmtpServer() as smtp:
        app = _start(settings, smtp.port, "decide", "--app")
        _wait_for(lambda: smtp.mailbox.held, app)  # its worker claimed it and is sending it
        _kill(app)
        smtp.mailbox.release()  # the server never said it took the message
        assert _deliveries(settings) == [("sending", 1)]
        _idle_for_a_while(settings, smtp.port)  # the claim is still the dead worker's
        assert _deliveries(settings) == [("sending", 1)] and smtp.messages == []
        later = _start(settings, smtp.port, "serve", "--later", LATER)
        _wait_for(lambda: _deliveries(settings) == [("sent", 2)], later)
        _kill(later)
        _idle_for_a_while(settings, smtp.port, "--later", LATER)
    assert [str(m["To"]) for m in smtp.messages] == ["duty@center.example"]
    assert _deliveries(settings) == [("sent", 2)]  # the cut attempt counts
