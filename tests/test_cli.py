"""The ``dozor`` command: every subcommand has help; users and tokens; serve migrates on start."""

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from dozor.auth import service
from dozor.auth.models import ApiToken, User
from dozor.cli import main
from dozor.config import Settings
from dozor.db import create_engine, sessionmaker

COMMANDS = [
    [],
    ["serve"],
    ["demo"],
    ["db"],
    ["db", "upgrade"],
    ["user", "create"],
    ["token", "create"],
    ["ingest"],
    ["refold"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "dozor")
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def _env(settings: Settings) -> dict[str, str]:
    return {"DOZOR_DATA_DIR": str(settings.data_dir), "DOZOR_DATABASE_URL": settings.database_url}


async def _read(settings: Settings, statement):  # type: ignore[no-untyped-def]
    engine = create_engine(settings)
    async with sessionmaker(engine)() as session:
        rows = (await session.execute(statement)).all()
    await engine.dispose()
    return rows


def test_user_create_hashes_the_password(settings: Settings) -> None:
    runner = CliRunner()
    args = [
        "user",
        "create",
        "alice",
        "--role",
        "admin",
        "--name",
        "Алиса",
        "--password",
        "s3cret-pass",
        "--email",
        "alice@example.com",
    ]
    created = runner.invoke(main, args, env=_env(settings))
    assert created.exit_code == 0, created.output
    assert "user alice (admin) created" in created.output
    [(name, role, email, password_hash)] = asyncio.run(
        _read(settings, select(User.name, User.role, User.email, User.password_hash))
    )
    assert (name, role, email) == ("Алиса", "admin", "alice@example.com")
    assert password_hash.startswith("$argon2") and "s3cret-pass" not in password_hash
    again = runner.invoke(main, args, env=_env(settings))
    assert again.exit_code == 1 and "already exists" in again.output
    short = runner.invoke(
        main, ["user", "create", "bob", "--password", "short"], env=_env(settings)
    )
    assert short.exit_code == 1 and "at least 8 characters" in short.output


def test_token_create_prints_it_once_and_keeps_only_its_hash(settings: Settings) -> None:
    result = CliRunner().invoke(main, ["token", "create", "asterisk"], env=_env(settings))
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith(service.TOKEN_PREFIX) and len(token) > 40
    [(name, token_hash)] = asyncio.run(_read(settings, select(ApiToken.name, ApiToken.token_hash)))
    assert name == "asterisk" and token not in token_hash and len(token_hash) == 64


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_applies_the_migrations_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "DOZOR_DATA_DIR": str(tmp_path / "data"), "DOZOR_DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "dozor.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("dozor serve did not start")
        assert answer.status_code == 200
        assert "/api/v1/events" in answer.json()["paths"]
        events = httpx.post(f"http://127.0.0.1:{port}/api/v1/events", json=[], timeout=5)
        assert events.status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert (tmp_path / "data" / "dozor.sqlite3").exists()
