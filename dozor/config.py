"""Settings: one class, the ``DOZOR_`` prefix, every field documented in docs/configuration.md."""

from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DOZOR_", env_file=None, extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the database. Empty: an SQLite file under `data_dir`. "
        "PostgreSQL: `postgresql+asyncpg://user@host:5432/dozor`.",
    )
    data_dir: Path = Field(
        default=Path("dozor-data"),
        description="Folder for the default SQLite database and the secret key file.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Key that signs session cookies. Empty: generated once and kept in "
        "`data_dir/secret_key`. Also read from the file named by `DOZOR_SECRET_KEY_FILE`.",
    )
    host: str = Field(default="127.0.0.1", description="Address `dozor serve` listens on.")
    port: int = Field(default=8000, description="Port `dozor serve` listens on.")
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
        default=1000, description="Most events accepted in one `POST /api/v1/events`."
    )
    body_limit: int = Field(
        default=5 * 1024 * 1024,
        description="Largest request body accepted by `POST /api/v1/events`, in bytes.",
    )
    sqlite_busy_timeout: int = Field(
        default=30_000,
        description="How long an SQLite connection waits for a lock, in milliseconds.",
    )
    writer_max_events: int = Field(
        default=5000,
        description="Most events the writer commits in one transaction (group commit).",
    )
    wrapup_limit: int = Field(
        default=300,
        description="After-call work ends with `conversation.wrapup_done`, or this many seconds "
        "after the call closed when none comes.",
    )
    session_max_age: int = Field(
        default=14 * 24 * 3600, description="Lifetime of a login session, in seconds."
    )
    cookie_secure: bool = Field(
        default=False, description="Send the session cookie over HTTPS only."
    )

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value not in ("ru", "en"):
            raise ValueError("language must be 'ru' or 'en'")
        return value

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'dozor.sqlite3'}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

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
