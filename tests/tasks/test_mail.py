"""dozor/mail.py against a real SMTP server on loopback."""

from typing import Any

import pytest

from dozor import mail
from dozor.config import Settings
from tests.tasks.smtp import SmtpServer, free_port


def _settings(port: int, **fields: Any) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
        mail_from="Dozor <dozor@center.example>",
        **fields,
    )


async def test_a_message_reaches_the_server_as_written() -> None:
    with SmtpServer() as smtp:
        await mail.send(
            _settings(smtp.port),
            to="bob@center.example",
            subject="Напоминание: отчет",
            text="Срок: 02.03.2026\n",
        )
    [message] = smtp.messages
    assert message["From"] == "Dozor <dozor@center.example>"
    assert message["To"] == "bob@center.example"
    assert message["Subject"] == "Напоминание: отчет"
    assert message.get_content().replace("\r\n", "\n") == "Срок: 02.03.2026\n"
    assert smtp.mailbox.envelopes == [("dozor@center.example", ["bob@center.example"])]


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
async def test_it_logs_in_when_a_username_is_set() -> None:
    with SmtpServer(login=("dozor", "s3cret")) as smtp:
        settings = _settings(smtp.port, smtp_username="dozor", smtp_password="s3cret")
        await mail.send(settings, to="bob@center.example", subject="s", text="t")
        with pytest.raises(mail.MailError):
            wrong = _settings(smtp.port, smtp_username="dozor", smtp_password="wrong")
            await mail.send(wrong, to="bob@center.example", subject="s", text="t")
    assert smtp.logins == ["dozor"]
    assert len(smtp.messages) == 1


async def test_a_server_that_does_not_answer_is_a_mail_error() -> None:
    with pytest.raises(mail.MailError, match="127.0.0.1"):
        await mail.send(_settings(free_port()), to="bob@center.example", subject="s", text="t")


async def test_no_host_means_no_mail() -> None:
    settings = Settings()
    assert not mail.enabled(settings)
    with pytest.raises(mail.MailError, match="off"):
        await mail.send(settings, to="bob@center.example", subject="s", text="t")
