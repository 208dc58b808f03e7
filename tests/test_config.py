import os
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from dozor.config import Settings

DOC = Path(__file__).parent.parent / "docs" / "configuration.md"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sees only the DOZOR_ variables it sets itself."""
    for name in [n for n in os.environ if n.upper().startswith("DOZOR_")]:
        monkeypatch.delenv(name)


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `(DOZOR_[A-Z0-9_]+)` \|", DOC.read_text(), re.MULTILINE))
    settings = {f"DOZOR_{name.upper()}" for name in Settings.model_fields}
    assert settings - documented == set(), "add these to docs/configuration.md"
    assert documented - settings == set(), "docs/configuration.md lists settings that don't exist"


def test_every_setting_has_a_description() -> None:
    assert [n for n, f in Settings.model_fields.items() if not f.description] == []


def test_defaults_need_no_configuration() -> None:
    settings = Settings()
    assert settings.is_sqlite
    assert settings.effective_database_url == (
        f"sqlite+aiosqlite:///{settings.data_dir / 'dozor.sqlite3'}"
    )
    assert settings.data_dir == Path("dozor-data")
    assert settings.language == "ru"


def test_database_url_switches_to_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    url = "postgresql+asyncpg://dozor@db.example.com:5432/dozor"
    monkeypatch.setenv("DOZOR_DATABASE_URL", url)
    settings = Settings()
    assert settings.effective_database_url == url
    assert not settings.is_sqlite


def test_writers_run_side_by_side_on_postgresql_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOZOR_WRITER_CONCURRENCY", "4")
    assert Settings().writers == 1  # the SQLite default: one write transaction at a time
    monkeypatch.setenv("DOZOR_DATABASE_URL", "postgresql+asyncpg://dozor@db.example.com/dozor")
    assert Settings().writers == 4
    monkeypatch.delenv("DOZOR_WRITER_CONCURRENCY")
    assert Settings().writers == 3


@pytest.mark.parametrize(
    ("variable", "value", "reason"),
    [
        ("DOZOR_LANGUAGE", "fr", "language must be 'ru' or 'en'"),
        ("DOZOR_PORT", "abc", "valid integer"),
        ("DOZOR_PORT", "70000", "less than or equal to 65535"),
        ("DOZOR_TIMEZONE", "Europe/Moskow", "unknown time zone"),
        ("DOZOR_BATCH_LIMIT", "0", "greater than or equal to 1"),
        ("DOZOR_WRITER_CONCURRENCY", "17", "less than or equal to 16"),
    ],
)
def test_a_bad_value_names_the_setting_and_the_reason(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, reason: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValidationError) as error:
        Settings()
    message = str(error.value)
    assert variable.removeprefix("DOZOR_").lower() in message
    assert reason in message


def test_secrets_are_read_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "key").write_text("  from-a-file\n")
    (tmp_path / "url").write_text("postgresql+asyncpg://dozor:s3cret@db/dozor\n")
    monkeypatch.setenv("DOZOR_SECRET_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("DOZOR_DATABASE_URL_FILE", str(tmp_path / "url"))
    settings = Settings()
    assert settings.resolved_secret_key() == "from-a-file"
    assert settings.effective_database_url == "postgresql+asyncpg://dozor:s3cret@db/dozor"


def test_a_plain_variable_wins_over_its_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "key").write_text("from-a-file")
    monkeypatch.setenv("DOZOR_SECRET_KEY_FILE", str(tmp_path / "key"))
    monkeypatch.setenv("DOZOR_SECRET_KEY", "from-the-environment")
    assert Settings().resolved_secret_key() == "from-the-environment"


def test_a_missing_or_empty_secret_file_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOZOR_DATABASE_URL_FILE", str(tmp_path / "absent"))
    with pytest.raises(ValidationError, match="database_url_file: cannot read"):
        Settings()
    (tmp_path / "empty").write_text("\n")
    monkeypatch.setenv("DOZOR_DATABASE_URL_FILE", str(tmp_path / "empty"))
    with pytest.raises(ValidationError, match="is empty"):
        Settings()


def test_errors_never_echo_a_secret(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DOZOR_DATABASE_URL", "postgresql+asyncpg://dozor:s3cret@db/dozor")
    monkeypatch.setenv("DOZOR_SECRET_KEY_FILE", str(tmp_path / "absent"))
    with pytest.raises(ValidationError) as error:
        Settings()
    assert "s3cret" not in str(error.value)
