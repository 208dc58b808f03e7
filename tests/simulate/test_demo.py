"""``dozor demo``: the command exists; its app serves while the simulation fills the database."""

import asyncio
import time
from datetime import UTC, datetime

from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from dozor.auth import service as auth_service
from dozor.cli import main
from dozor.clock import SystemClock
from dozor.config import Settings
from dozor.conversations.models import Conversation
from dozor.db import create_engine, sessionmaker
from dozor.simulate import demo, setup

NOON = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_demo_has_help() -> None:
    result = CliRunner().invoke(main, ["demo", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--speed", "--seed", "--host", "--port"):
        assert option in result.output


def test_demo_rejects_a_speed_of_zero() -> None:
    result = CliRunner().invoke(main, ["demo", "--speed", "0"])
    assert result.exit_code != 0
    assert "--speed" in result.output


async def _token_and_count(settings: Settings, *, token: bool) -> tuple[str, int]:
    engine = create_engine(settings)
    try:
        async with sessionmaker(engine)() as session, session.begin():
            value = ""
            if token:
                value = await auth_service.create_token(session, name="test", clock=SystemClock())
            count = await session.scalar(select(func.count()).select_from(Conversation))
            return value, count or 0
    finally:
        await engine.dispose()


def test_demo_app_serves_while_the_center_fills_the_database(settings: Settings) -> None:
    asyncio.run(setup.prepare(settings, clock=SystemClock()))
    asyncio.run(setup.prepare(settings, clock=SystemClock()))  # a second demo start is fine
    token, _ = asyncio.run(_token_and_count(settings, token=True))
    # 600× real time: ten simulated minutes a second, from noon in Moscow
    app = demo.build_app(settings, start=NOON, seed=5, speed=600)
    with TestClient(app) as client:
        assert client.get("/docs").status_code == 200
        assert client.get("/api/v1/operators").status_code == 401
        deadline = time.monotonic() + 15
        while app.state.demo_runner.stored < 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = client.get("/api/v1/operators", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
        assert sum(o["status"] == "online" for o in answer.json()) >= 10
        task = app.state.demo_task
    assert task.cancelled()  # stopped before the writer, not left behind
    _, conversations = asyncio.run(_token_and_count(settings, token=False))
    assert conversations > 20
    assert "operator" in demo.banner("http://127.0.0.1:8000", seed=5, speed=600)
