"""Settings: one class, the ``DOZOR_`` prefix, every field documented in docs/configuration.md."""

from pathlib import Path
from typing import Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    # errors name the setting and the reason but never echo values: they may be secrets
    model_config = SettingsConfigDict(
        env_prefix="DOZOR_", env_file=None, extra="ignore", hide_input_in_errors=True
    )

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the database. Empty: an SQLite file under `data_dir`. "
        "PostgreSQL: `postgresql+asyncpg://user@host:5432/dozor`.",
    )
    database_url_file: Path | None = Field(
        default=None,
        description="File holding `database_url` (a Docker or systemd secret), read when "
        "`DOZOR_DATABASE_URL` is not set.",
    )
    data_dir: Path = Field(
        default=Path("dozor-data"),
        description="Folder for the default SQLite database and the secret key file.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key that signs session cookies. Empty: generated once and kept in "
        "`data_dir/secret_key`.",
    )
    secret_key_file: Path | None = Field(
        default=None,
        description="File holding `secret_key` (a Docker or systemd secret), read when "
        "`DOZOR_SECRET_KEY` is not set.",
    )
    host: str = Field(default="127.0.0.1", description="Address `dozor serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `dozor serve` listens on.")
    base_url: str = Field(
        default="",
        description="Public address of the web interface, used in links. Empty: "
        "`http://{host}:{port}`.",
    )
    language: str = Field(default="ru", description="Default interface language: `ru` or `en`.")
    timezone: str = Field(
        default="Europe/Moscow",
        description='The center\'s time zone: where "today" begins and how times are shown.',
    )
    batch_limit: int = Field(
        default=1000, ge=1, description="Most events accepted in one `POST /api/v1/events`."
    )
    body_limit: int = Field(
        default=5 * 1024 * 1024,
        ge=1,
        description="Largest request body accepted by `POST /api/v1/events`, in bytes.",
    )
    sqlite_busy_timeout: int = Field(
        default=30_000,
        ge=0,
        description="How long an SQLite connection waits for a lock, in milliseconds.",
    )
    writer_max_events: int = Field(
        default=5000,
        ge=1,
        description="Most events the writer commits in one transaction (group commit).",
    )
    writer_concurrency: int = Field(
        default=3,
        ge=1,
        le=16,
        description="Write transactions at once on PostgreSQL, each a group commit of its own "
        "(SQLite writes one at a time).",
    )
    wrapup_limit: int = Field(
        default=300,
        ge=0,
        description="After-call work ends with `conversation.wrapup_done`, or this many seconds "
        "after the call closed when none comes.",
    )
    session_max_age: int = Field(
        default=14 * 24 * 3600, ge=1, description="Lifetime of a login session, in seconds."
    )
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only."
    )
    smtp_host: str = Field(
        default="", description="SMTP server that sends Dozor's e-mail. Empty: no e-mail."
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_username: str = Field(
        default="", description="Login at the SMTP server. Empty: send without logging in."
    )
    smtp_password: SecretStr = Field(
        default=SecretStr(""), description="Password at the SMTP server."
    )
    smtp_password_file: Path | None = Field(
        default=None,
        description="File holding `smtp_password`, read when `DOZOR_SMTP_PASSWORD` is not set.",
    )
    smtp_starttls: bool = Field(
        default=True,
        description="Upgrade the connection with STARTTLS (ignored with `smtp_tls`).",
    )
    smtp_tls: bool = Field(
        default=False, description="Connect over TLS from the start (usually port 465)."
    )
    mail_from: str = Field(
        default="dozor@localhost", description="Sender address of Dozor's e-mail."
    )
    task_due_soon: int = Field(
        default=3600,
        ge=0,
        description="How many seconds before a task's deadline its assignee is warned; 0: never.",
    )
    task_poll_interval: float = Field(
        default=10.0,
        gt=0,
        description="How often the scheduler looks for task notifications due, in seconds.",
    )

    alert_interval: float = Field(
        default=2.0,
        gt=0,
        description="Alert rules are evaluated on every change and at least this often (s).",
    )
    alert_delivery_interval: float = Field(
        default=1.0,
        gt=0,
        description="How often the alert delivery queue is read for e-mails and webhooks due.",
    )
    alert_retry_base: float = Field(
        default=10.0,
        gt=0,
        description="Seconds before the first retry of a failed alert delivery; doubled each time.",
    )
    alert_retry_max: float = Field(
        default=3600.0, gt=0, description="Longest wait between two attempts of one delivery."
    )
    alert_max_attempts: int = Field(
        default=12, ge=1, description="Attempts of one alert delivery before it is marked failed."
    )
    alert_webhook_timeout: float = Field(
        default=10.0, gt=0, description="Seconds an alert webhook may take to answer."
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("ru", "en"):
            raise ValueError("language must be 'ru' or 'en'")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        # checked here, or a typo would surface as an error on the first page that shows a time
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (e.g. Europe/Moscow, UTC)") from None
        return value

    @model_validator(mode="after")
    def _secrets_from_files(self) -> Self:
        """Fill ``secret_key``, ``database_url`` and ``smtp_password`` from their ``*_FILE``
        when not set directly, so secrets need not sit in the environment, where any child
        process can read them."""
        if self.secret_key_file and not self.secret_key.get_secret_value():
            self.secret_key = SecretStr(_read_secret(self.secret_key_file, "secret_key_file"))
        if self.database_url_file and not self.database_url:
            self.database_url = _read_secret(self.database_url_file, "database_url_file")
        if self.smtp_password_file and not self.smtp_password.get_secret_value():
            self.smtp_password = SecretStr(
                _read_secret(self.smtp_password_file, "smtp_password_file")
            )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'dozor.sqlite3'}"

    @property
    def public_url(self) -> str:
        """The web interface's address in links sent out (e-mails, webhooks)."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def writers(self) -> int:
        """The writer's tasks: SQLite takes one write transaction at a time."""
        return 1 if self.is_sqlite else self.writer_concurrency

    def resolved_secret_key(self) -> str:
        """The session key: the setting, else a key generated once and kept on disk."""
        if key := self.secret_key.get_secret_value():
            return key
        path = self.data_dir / "secret_key"
        if not path.exists():
            import secrets

            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        return path.read_text().strip()


def _read_secret(path: Path, setting: str) -> str:
    try:
        value = path.read_text().strip()
    except OSError as error:
        raise ValueError(f"{setting}: cannot read {path}: {error.strerror}") from None
    if not value:
        # an empty database URL would quietly fall back to a local SQLite file
        raise ValueError(f"{setting}: {path} is empty")
    return value
