"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for the mail tests."""

import email
import socket
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """The server's handler: every message accepted, parsed, in order of arrival."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    """``with SmtpServer() as smtp:``; with ``login`` set, it asks for that user and password."""

    def __init__(self, login: tuple[str, str] | None = None) -> None:
        self.port = free_port()
        self.mailbox = Mailbox()
        self.logins: list[str] = []
        options: dict[str, Any] = {}
        if login is not None:
            options = {"authenticator": self._authenticator(login), "auth_required": True}
            options["auth_require_tls"] = False  # loopback only
        self._controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port, **options)

    def _authenticator(self, login: tuple[str, str]) -> Any:
        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = (
                isinstance(data, LoginPassword)
                and (
                    data.login.decode(),
                    data.password.decode(),
                )
                == login
            )
            if ok:
                self.logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        return check

    @property
    def messages(self) -> list[EmailMessage]:
        return self.mailbox.messages

    def __enter__(self) -> "SmtpServer":
        self._controller.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._controller.stop()
