"""The worker that sends what alerts owe: e-mails through SMTP and signed webhook POSTs.

It runs inside the app on its own task (a startup hook starts it, a shutdown hook stops it)
with its own database sessions, so ingest, the evaluator and the console never wait for a
slow SMTP server or webhook. Every ``DOZOR_ALERT_DELIVERY_INTERVAL`` seconds it claims the
deliveries due (``outbox.claim``: one worker of several nodes wins each row) and sends each on
a task of its own, at most ``PARALLEL`` at a time: a webhook that hangs until its timeout holds
back neither the e-mails claimed with it nor the next rounds.

An attempt that fails is tried again after ``outbox.backoff``; after ``alert_max_attempts`` the
row is ``failed``. A worker that dies mid-attempt leaves its claim to run out (``LEASE``), and
the row is sent again by whoever takes it next: at least once, never lost.
"""

import asyncio
import contextlib
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from babel.support import Translations
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor import mail
from dozor.alerts import outbox, texts
from dozor.alerts.models import AlertDelivery, AlertLog
from dozor.clock import Clock
from dozor.config import Settings
from dozor.lib import i18n

log = logging.getLogger(__name__)

PARALLEL = 20  # attempts under way at once
# a claim's lifetime: an attempt is cut off at half of it, so a live worker never loses its claim
LEASE = timedelta(minutes=5)


class Undeliverable(Exception):
    """Trying again cannot help: the row is marked failed at once."""


@dataclass
class Deliverer:
    sessions: async_sessionmaker[AsyncSession]  # reads
    write_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    translations: dict[str, Translations] = field(default_factory=i18n.load)
    grace: float = 5.0  # seconds a shutdown waits for the attempts under way before stopping them
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: "asyncio.Task[None] | None" = None
    _sending: "set[asyncio.Task[None]]" = field(default_factory=set)
    _ticking: asyncio.Lock = field(default_factory=asyncio.Lock)
    _http: httpx.AsyncClient | None = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="dozor-alert-delivery")

    async def stop(self) -> None:
        """Stop claiming; give the attempts under way ``grace`` seconds, then stop them (their
        rows are handed back, due at once for the next worker)."""
        self._stopping.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._sending:
            _, late = await asyncio.wait(self._sending, timeout=self.grace)
            for attempt in late:
                attempt.cancel()
            await self.drain()
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def drain(self) -> None:
        """Wait until the attempts under way have ended."""
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:  # the database may be away for a moment: try again next time
                log.exception("alert deliveries not claimed; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.settings.alert_delivery_interval)

    async def tick(self) -> int:
        """Claim what is due and start sending it; how many were claimed. It does not wait for
        the sends (``drain`` does). One round at a time: a round that finds another under way
        waits until that one's sends have started, so a ``drain`` after it waits for them too
        (a round called while the worker's own was between its claim and its sends returned
        at once, with nothing under way yet)."""
        async with self._ticking:
            return await self._tick()

    async def _tick(self) -> int:
        free = PARALLEL - len(self._sending)
        if free <= 0:
            return 0
        now = self.clock.now()
        # a read first: an idle round takes no write lock (SQLite has one writer)
        async with self.sessions() as session:
            due = await outbox.due(session, now=now, limit=free)
        if not due:
            return 0
        lease_until = now + LEASE
        async with self.write_sessions() as session, session.begin():
            taken = [
                delivery_id
                for delivery_id in due
                if await outbox.claim(
                    session, delivery_id=delivery_id, now=now, lease_until=lease_until
                )
            ]
        if not taken:
            return 0
        async with self.sessions() as session:
            jobs = await outbox.claimed(session, taken)
            # an e-mail names the scope as it is called now; a webhook's body has it already
            names = {
                (alert.scope, alert.scope_id): await outbox.scope_name(
                    session, alert.scope, alert.scope_id
                )
                for delivery, alert, _ in jobs
                if delivery.channel == "email"
            }
        for delivery, alert, secret in jobs:
            name = names.get((alert.scope, alert.scope_id))
            attempt = asyncio.create_task(
                self._attempt(delivery, alert, name, secret, lease_until),
                name=f"dozor-alert-delivery-{delivery.id}",
            )
            self._sending.add(attempt)
            attempt.add_done_callback(self._sending.discard)
        return len(jobs)

    async def _attempt(
        self,
        delivery: AlertDelivery,
        alert: AlertLog,
        scope_name: str | None,
        secret: str | None,
        lease_until: datetime,
    ) -> None:
        """1. Send (cut off at half the lease). 2. Mark it sent, or schedule the retry.
        A stopped attempt hands its claim back."""
        error, final = None, False
        try:
            async with asyncio.timeout(LEASE.total_seconds() / 2):
                if delivery.channel == "email":
                    await self._email(delivery, alert, scope_name)
                else:
                    await self._webhook(delivery, alert, secret)
        except asyncio.CancelledError:
            await self._end(outbox.release, delivery.id, lease_until)
            raise
        except Undeliverable as reason:
            error, final = str(reason), True
        except Exception as reason:  # any failure of the receiver is retried
            error = _describe(reason)
        if error is None:
            await self._end(outbox.sent, delivery.id, lease_until)
            return
        log.warning("alert delivery %s to %s failed: %s", delivery.id, delivery.target, error)
        await self._end(
            outbox.retry,
            delivery.id,
            lease_until,
            attempts=delivery.attempts,
            error=error,
            settings=self.settings,
            final=final,
        )

    async def _end(
        self,
        move: Callable[..., Awaitable[None]],
        delivery_id: int,
        lease_until: datetime,
        **fields: Any,
    ) -> None:
        """Record how an attempt ended: ``outbox.sent``, ``retry`` or ``release``."""
        try:
            async with self.write_sessions() as session, session.begin():
                await move(
                    session,
                    delivery_id=delivery_id,
                    lease_until=lease_until,
                    now=self.clock.now(),
                    **fields,
                )
        except Exception:  # the claim runs out and the row is taken again
            log.exception("alert delivery %s: its outcome was not recorded", delivery_id)

    async def _email(
        self, delivery: AlertDelivery, alert: AlertLog, scope_name: str | None
    ) -> None:
        if not mail.enabled(self.settings):
            raise Undeliverable("e-mail is off: DOZOR_SMTP_HOST is empty")
        language = i18n.choose(delivery.language, default=self.settings.language)
        subject, text = texts.email(
            log=alert,
            scope_name=scope_name,
            language=language,
            settings=self.settings,
            gettext=self.translations[language].gettext,
        )
        await mail.send(self.settings, to=delivery.target, subject=subject, text=text)

    async def _webhook(self, delivery: AlertDelivery, alert: AlertLog, secret: str | None) -> None:
        if alert.rule_id is None:
            raise Undeliverable("the rule was deleted: no secret to sign the webhook with")
        body = orjson.dumps(delivery.body)  # serialised once: these bytes are signed and sent
        headers = {
            "Content-Type": "application/json",
            "X-Dozor-Delivery": str(delivery.id),
            "X-Dozor-Event": "alert",
        }
        if secret:
            headers["X-Dozor-Signature"] = "sha256=" + sign(body, secret)
        timeout = self.settings.alert_webhook_timeout
        async with asyncio.timeout(timeout):  # the whole exchange, not each of its steps
            answer = await self._client().post(delivery.target, content=body, headers=headers)
        if not answer.is_success:
            raise WebhookError(f"HTTP {answer.status_code} from the webhook")

    def _client(self) -> httpx.AsyncClient:
        if self._http is None:
            self._http = httpx.AsyncClient(
                timeout=self.settings.alert_webhook_timeout, follow_redirects=False
            )
        return self._http


class WebhookError(Exception):
    """The webhook answered, but not with a 2xx."""


def sign(body: bytes, secret: str) -> str:
    """The hex HMAC-SHA256 of the raw body: what ``X-Dozor-Signature`` carries after sha256=."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _describe(error: Exception) -> str:
    if isinstance(error, TimeoutError | httpx.TimeoutException):
        return "no answer in time"
    if isinstance(error, httpx.HTTPError):  # could not connect, the connection broke…
        return f"{type(error).__name__}: {error}"
    return str(error) or type(error).__name__


async def start(app: FastAPI) -> None:
    """Startup hook: deliver alerts while the app runs."""
    state = app.state
    state.alert_delivery = Deliverer(
        state.sessions, state.write_sessions, state.clock, state.settings, state.translations
    )
    state.alert_delivery.start()


async def stop(app: FastAPI) -> None:
    """Shutdown hook: stop claiming; let the attempts under way end."""
    if (deliverer := getattr(app.state, "alert_delivery", None)) is not None:
        await deliverer.stop()
