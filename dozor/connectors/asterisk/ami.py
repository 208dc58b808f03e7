"""``dozor asterisk ami``: a live connection to the Asterisk Manager Interface.

1. Connect and log in (a refused login stops the command: retrying will not fix a secret).
2. Ask ``QueueStatus`` and resync: member statuses, waiting callers, calls that ended unseen.
3. Map every event as it comes; a timer closes the callers who left a queue unanswered.
4. When the connection drops, reconnect after 1, 2, 4 … up to ``backoff_max`` seconds, and go
   back to 2. A successful login resets the delay.
"""

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import Clock
from dozor.connectors import Sink
from dozor.connectors.asterisk.ami_mapping import AmiMapper, OpenCall
from dozor.connectors.asterisk.ami_protocol import AuthenticationFailed, Connection, backoff
from dozor.connectors.asterisk.counts import Counts
from dozor.connectors.runtime import pause
from dozor.conversations.models import Conversation
from dozor.events import contract as c

log = logging.getLogger(__name__)
# open calls older than this are not checked against QueueStatus: stale imports, not live calls
RESYNC_HORIZON = timedelta(hours=24)


@dataclass
class AmiClient:
    host: str
    port: int
    username: str
    secret: str
    sink: Sink
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    channel: str = "asterisk"
    grace: float = 2.0
    backoff_start: float = 1.0
    backoff_max: float = 60.0
    counts: Counts = field(default_factory=Counts)
    connections: int = 0

    def __post_init__(self) -> None:
        self.mapper = AmiMapper(self.channel, grace=self.grace)

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``; raises ``AuthenticationFailed`` when the PBX refuses the login."""
        delays = backoff(self.backoff_start, self.backoff_max)
        while not stop.is_set():
            try:
                connection = await Connection.open(self.host, self.port)
            except (OSError, TimeoutError, ConnectionError) as error:
                log.warning("AMI %s:%s: %s", self.host, self.port, error)
            else:
                try:
                    await connection.login(self.username, self.secret)
                    delays = backoff(self.backoff_start, self.backoff_max)
                    self.connections += 1
                    await self._session(connection, stop)
                except AuthenticationFailed:
                    raise
                except (OSError, ConnectionError, TimeoutError) as error:
                    log.warning("AMI connection lost: %s", error)
                finally:
                    connection.close()
            if not stop.is_set():
                await pause(stop, next(delays))

    async def _session(self, connection: Connection, stop: asyncio.Event) -> None:
        action = f"dozor-resync-{self.connections}"
        await connection.send(Action="QueueStatus", ActionID=action)
        listed: dict[str, list[dict[str, str]]] = {"QueueMember": [], "QueueEntry": []}
        timer = asyncio.create_task(self._expire(stop))
        closer = asyncio.create_task(stop.wait())
        closer.add_done_callback(lambda _: connection.close())
        try:
            while True:
                message = await connection.read()
                event = message.get("Event", "")
                if message.get("ActionID") != action:
                    if event:
                        self.counts.records += 1
                        await self._submit(
                            self.mapper.event(message, now=self.clock.now(), monotonic=_now())
                        )
                elif message.get("Response", "").lower() == "error":
                    log.warning("QueueStatus refused: %s", message.get("Message"))
                elif event in listed:
                    listed[event].append(message)
                elif event == "QueueStatusComplete":
                    calls = await self._open_calls()
                    await self._submit(
                        self.mapper.resync(
                            listed["QueueMember"], listed["QueueEntry"], calls, self.clock.now()
                        )
                    )
        except ConnectionError:
            if not stop.is_set():
                raise
        finally:
            timer.cancel()
            closer.cancel()

    async def _expire(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            await pause(stop, max(self.grace / 4, 0.01))
            await self._submit(self.mapper.expired(monotonic=_now()))

    async def _submit(self, events: list[c.Event]) -> None:
        if events:
            self.counts.stored(await self.sink.submit(events))

    async def _open_calls(self) -> list[OpenCall]:
        since = self.clock.now() - RESYNC_HORIZON
        async with self.sessions() as session:
            rows = await session.execute(
                select(Conversation.id, Conversation.accepted_at, Conversation.operator_id).where(
                    Conversation.channel_id == self.channel,
                    Conversation.status != "closed",
                    Conversation.created_at >= since,
                )
            )
            return [OpenCall(row.id, row.accepted_at is not None, row.operator_id) for row in rows]


def _now() -> float:
    return asyncio.get_running_loop().time()
