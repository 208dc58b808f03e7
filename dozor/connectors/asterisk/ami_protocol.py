"""The Asterisk Manager Interface on the wire.

After a one-line banner (``Asterisk Call Manager/5.0.2``) both sides exchange messages: lines of
``Key: Value`` ended by CRLF, a blank line ending each message. Actions go one way, responses
and events the other; a response carries the ``ActionID`` of its action, and so do the events
an action lists (``QueueStatus`` answers with ``QueueMember`` and ``QueueEntry`` events).
"""

import asyncio
from collections.abc import Iterator

Message = dict[str, str]


class AuthenticationFailed(Exception):
    """The PBX refused the user or secret: retrying will not help."""


def parse(lines: list[str]) -> Message:
    """One message from its lines; the first of a repeated key wins."""
    message: Message = {}
    for line in lines:
        key, sep, value = line.partition(":")
        if sep and key.strip():
            message.setdefault(key.strip(), value.strip())
    return message


def encode(fields: Message) -> bytes:
    text = "".join(f"{key}: {value}\r\n" for key, value in fields.items())
    return (text + "\r\n").encode()


def backoff(start: float, ceiling: float) -> Iterator[float]:
    """Delays between reconnection attempts: doubling from ``start`` up to ``ceiling``."""
    delay = start
    while True:
        yield delay
        delay = min(delay * 2, ceiling)


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int, *, timeout: float = 10.0) -> "Connection":
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        connection = cls(reader, writer)
        banner = await asyncio.wait_for(reader.readline(), timeout)
        if not banner.startswith(b"Asterisk Call Manager/"):
            connection.close()
            raise ConnectionError(f"{host}:{port} is not an Asterisk Manager Interface")
        return connection

    async def read(self) -> Message:
        """The next message; ``ConnectionError`` when the PBX closed the connection."""
        lines: list[str] = []
        while True:
            raw = await self.reader.readline()
            if not raw:
                raise ConnectionError("the Asterisk Manager Interface closed the connection")
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            if line:
                lines.append(line)
            elif lines:
                return parse(lines)

    async def send(self, **fields: str) -> None:
        self.writer.write(encode(fields))
        await self.writer.drain()

    async def login(self, username: str, secret: str) -> None:
        """``Action: Login``, asking for the ``agent`` class of events (queues and members)."""
        await self.send(
            Action="Login", Username=username, Secret=secret, Events="agent", ActionID="dozor-login"
        )
        while True:
            message = await self.read()
            if message.get("ActionID") != "dozor-login":
                continue
            if message.get("Response", "").lower() == "success":
                return
            raise AuthenticationFailed(message.get("Message") or "authentication failed")

    def close(self) -> None:
        self.writer.close()
