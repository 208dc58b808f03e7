"""Where alert deliveries go in the tests: a real HTTP receiver for webhooks and an SMTP server
that holds its answer, both on loopback."""

import asyncio
from dataclasses import dataclass
from typing import Any

from tests.tasks.smtp import Mailbox, SmtpServer

HANG = None  # an "answer" that never comes


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes  # as received: what the signature is checked against


class Receiver:
    """``async with Receiver(500, 200) as hook:`` a webhook on 127.0.0.1 that keeps every
    request and answers with the given statuses in turn, the last one from then on; ``HANG``
    never answers."""

    def __init__(self, *answers: int | None) -> None:
        self.answers = list(answers or (200,))
        self.requests: list[Request] = []
        self._handlers: set[asyncio.Task[Any]] = set()

    async def __aenter__(self) -> "Receiver":
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_: object) -> None:
        self._server.close()
        for handler in self._handlers:
            handler.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/dozor"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        try:
            method, path, _ = (await reader.readline()).decode().split(" ", 2)
            headers = {}
            while (line := (await reader.readline()).decode().strip()) != "":
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append(Request(method, path, headers, body))
            answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
            if answer is HANG:
                await asyncio.Event().wait()
            writer.write(
                f"HTTP/1.1 {answer} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
        finally:
            writer.close()
            self._handlers.discard(handler)


class HeldMailbox(Mailbox):
    """Receives the first message's DATA, then holds its answer until ``release()``; a message
    not answered while its sender was there is not accepted (451). Later ones are accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.held = False  # the first message arrived and waits for its answer
        self.released = False

    def release(self) -> None:
        self.released = True

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.held:
            return await super().handle_DATA(server, session, envelope)
        self.held = True
        while not self.released:
            await asyncio.sleep(0.01)
        return "451 Sender gone before the answer: message not accepted"


class HeldSmtpServer(SmtpServer):
    """An ``SmtpServer`` with a ``HeldMailbox``."""

    def __init__(self) -> None:
        super().__init__()
        self.mailbox = HeldMailbox()
        self._controller.handler = self.mailbox
