"""A fake Asterisk for the tests: an AMI server on loopback replaying recorded sessions.

Connection n gets the n-th (QueueStatus answer, session) recording: after the login and the
client's ``QueueStatus``, the server replays the session's events, then hangs up (as a PBX
restarting) unless it is the last recording, which stays connected.
"""

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from dozor.connectors.asterisk.ami_protocol import Message, encode, parse


def blocks(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    return [block.strip("\n") for block in text.split("\n\n") if block.strip()]


def wire(block: str, action_id: str | None = None) -> bytes:
    if action_id is not None:
        block = re.sub(r"^ActionID: .*$", f"ActionID: {action_id}", block, flags=re.M)
    return (block.replace("\n", "\r\n") + "\r\n\r\n").encode()


class FakeAsterisk:
    def __init__(
        self,
        recordings: list[tuple[Path, Path]],
        *,
        username: str = "dozor",
        secret: str = "s3cret",
        on_connect: Callable[[int], None] | None = None,
    ) -> None:
        self.recordings = recordings
        self.username, self.secret = username, secret
        self.on_connect = on_connect
        self.connections = 0
        self.actions: list[Message] = []
        self._writers: list[asyncio.StreamWriter] = []

    async def __aenter__(self) -> "FakeAsterisk":
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for writer in self._writers:
            writer.close()
        self.server.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        number = self.connections
        self.connections += 1
        self._writers.append(writer)
        if self.on_connect is not None:
            self.on_connect(number)
        status, session = self.recordings[min(number, len(self.recordings) - 1)]
        writer.write(b"Asterisk Call Manager/5.0.2\r\n")
        while (action := await _read(reader)) is not None:
            self.actions.append(action)
            action_id = action.get("ActionID", "")
            if action.get("Action") == "Login":
                if (action.get("Username"), action.get("Secret")) != (self.username, self.secret):
                    writer.write(
                        encode(
                            {
                                "Response": "Error",
                                "ActionID": action_id,
                                "Message": "Authentication failed",
                            }
                        )
                    )
                    break
                writer.write(
                    encode(
                        {
                            "Response": "Success",
                            "ActionID": action_id,
                            "Message": "Authentication accepted",
                        }
                    )
                )
            elif action.get("Action") == "QueueStatus":
                for block in blocks(status):
                    writer.write(wire(block, action_id))
                for block in blocks(session):
                    writer.write(wire(block))
                await writer.drain()
                if number < len(self.recordings) - 1:
                    break
            else:
                writer.write(encode({"Response": "Error", "ActionID": action_id}))
            await writer.drain()
        await writer.drain()
        writer.close()


async def _read(reader: asyncio.StreamReader) -> Message | None:
    lines: list[str] = []
    while raw := await reader.readline():
        line = raw.decode().rstrip("\r\n")
        if line:
            lines.append(line)
        elif lines:
            return parse(lines)
    return None
