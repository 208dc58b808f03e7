"""Outgoing e-mail through the SMTP server of the settings (task reminders, alerts).

``DOZOR_SMTP_HOST`` empty means no e-mail at all: callers ask ``enabled()`` first and keep
their notifications in the app.
"""

from email.message import EmailMessage

import aiosmtplib

from dozor.config import Settings

TIMEOUT = 30.0  # seconds for each step of the SMTP exchange: a stuck server must not hang us


class MailError(Exception):
    """The message was not accepted by the SMTP server."""


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_host)


def message(settings: Settings, *, to: str, subject: str, text: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Subject"] = subject
    mail.set_content(text)
    return mail


async def send(settings: Settings, *, to: str, subject: str, text: str) -> None:
    """Send a plain-text message to ``to``; raises ``MailError`` when it was not accepted."""
    if not enabled(settings):
        raise MailError("e-mail is off: DOZOR_SMTP_HOST is empty")
    password = settings.smtp_password.get_secret_value()
    try:
        await aiosmtplib.send(
            message(settings, to=to, subject=subject, text=text),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=password if settings.smtp_username else None,
            use_tls=settings.smtp_tls,
            start_tls=settings.smtp_starttls and not settings.smtp_tls,
            timeout=TIMEOUT,
        )
    except (aiosmtplib.SMTPException, OSError) as error:
        raise MailError(f"{settings.smtp_host}:{settings.smtp_port}: {error}") from error
