"""The loop that delivers task notifications when the app's clock reaches them.

It runs inside the app (a startup hook starts it, a shutdown hook drains it), reads the queue
every ``DOZOR_TASK_POLL_INTERVAL`` seconds and delivers each due row that it manages to claim.
Several nodes may run it at once: a row's claim is a conditional UPDATE, so one of them wins.
"""

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field

from babel.support import Translations
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor import mail
from dozor.auth.models import User
from dozor.clock import Clock
from dozor.config import Settings
from dozor.lib import i18n
from dozor.tasks import notifications, texts
from dozor.tasks.models import Task, TaskNotification

log = logging.getLogger(__name__)


@dataclass
class Scheduler:
    sessions: async_sessionmaker[AsyncSession]  # reads
    write_sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    settings: Settings
    translations: dict[str, Translations] = field(default_factory=i18n.load)
    _stopping: asyncio.Event = field(default_factory=asyncio.Event)
    _task: "asyncio.Task[None] | None" = None

    def start(self) -> None:
        self._stopping.clear()
        self._task = asyncio.create_task(self._run(), name="dozor-task-scheduler")

    async def stop(self) -> None:
        """Finish the notification being delivered, then stop."""
        if self._task is None:
            return
        self._stopping.set()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                await self.tick()
            except Exception:  # the database may be away for a moment: try again next time
                log.exception("task notifications not delivered; trying again")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self.settings.task_poll_interval)

    async def tick(self) -> int:
        """Deliver what is due now; how many were delivered."""
        # a read first: an idle tick takes no write lock (SQLite has one writer)
        async with self.sessions() as session:
            due = await notifications.due(session, now=self.clock.now())
        delivered = 0
        for notification_id in due:
            if self._stopping.is_set():
                break
            delivered += await self.deliver(notification_id)
        return delivered

    async def deliver(self, notification_id: int) -> bool:
        """1. Claim the row (in its own transaction, committed: others see it taken).
        2. Deliver it: in-app it is delivered by being marked; an e-mail goes to SMTP.
        3. Mark it sent; a failed e-mail is left to be claimed again once its claim runs out,
           up to ``MAX_ATTEMPTS`` times."""
        now = self.clock.now()
        async with self.write_sessions() as session, session.begin():
            if not await notifications.claim(session, notification_id=notification_id, now=now):
                return False
            row = await session.get(TaskNotification, notification_id)
            task = await session.get(Task, row.task_id) if row else None
            user = await session.get(User, row.user_id) if row else None
        if row is None or task is None or user is None:
            return False
        error, again = (
            await self._send(row, task, user) if row.channel == "email" else (None, False)
        )
        async with self.write_sessions() as session, session.begin():
            if again and row.attempts < notifications.MAX_ATTEMPTS:
                await notifications.fail(session, notification_id=row.id, error=error or "")
                return False
            await notifications.finish(
                session, notification_id=row.id, claimed_at=now, now=self.clock.now(), error=error
            )
        return error is None

    async def _send(self, row: TaskNotification, task: Task, user: User) -> tuple[str | None, bool]:
        """Send the e-mail of one notification: why it was not sent (or None), and whether
        trying again may help."""
        if not mail.enabled(self.settings):
            return "e-mail is off", False
        if not user.email:
            return "the user has no e-mail address", False
        language = i18n.choose(user.language, default=self.settings.language)
        subject, text = texts.email(
            kind=row.kind,
            task=task,
            language=language,
            settings=self.settings,
            gettext=self.translations[language].gettext,
        )
        try:
            await mail.send(self.settings, to=user.email, subject=subject, text=text)
        except mail.MailError as error:
            log.warning("task %s: e-mail to user %s not sent: %s", task.id, user.id, error)
            return str(error), True
        return None, False


async def start(app: FastAPI) -> None:
    """Startup hook: deliver task notifications while the app runs."""
    state = app.state
    state.task_scheduler = Scheduler(
        state.sessions, state.write_sessions, state.clock, state.settings, state.translations
    )
    state.task_scheduler.start()


async def stop(app: FastAPI) -> None:
    """Shutdown hook: let the notification being delivered finish."""
    if (scheduler := getattr(app.state, "task_scheduler", None)) is not None:
        await scheduler.stop()
