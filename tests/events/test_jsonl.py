"""``dozor ingest FILE``: JSON Lines through the writer, resumable, all-or-nothing per batch."""

import asyncio
from pathlib import Path

import orjson
from click.testing import CliRunner
from sqlalchemy import func, select

from dozor.cli import main
from dozor.config import Settings
from dozor.db import create_engine, sessionmaker
from dozor.events.jsonl import progress_path
from dozor.events.models import StoredEvent
from tests.factories import T0


def _env(settings: Settings) -> dict[str, str]:
    return {"DOZOR_DATA_DIR": str(settings.data_dir), "DOZOR_DATABASE_URL": settings.database_url}


def _lines(count: int) -> list[bytes]:
    return [
        orjson.dumps(
            {
                "id": f"s{n}",
                "type": "operator.status",
                "ts": T0.isoformat(),
                "operator_id": f"op{n % 7}",
                "status": "online",
            }
        )
        for n in range(count)
    ]


def _stored(settings: Settings) -> int:
    async def count() -> int:
        engine = create_engine(settings)
        async with sessionmaker(engine)() as session:
            total = await session.scalar(select(func.count()).select_from(StoredEvent))
        await engine.dispose()
        return total or 0

    return asyncio.run(count())


def test_ingest_resumes_after_a_bad_batch(settings: Settings, tmp_path: Path) -> None:
    lines = _lines(25)
    lines[13] = b'{"id": "bad", "type": "operator.status", "ts": "2026-03-02T09:00:00"}'
    file = tmp_path / "events.jsonl"
    file.write_bytes(b"\n".join(lines) + b"\n")
    runner = CliRunner()

    failed = runner.invoke(main, ["ingest", str(file), "--batch", "10"], env=_env(settings))
    assert failed.exit_code == 1
    assert "line 14: ts" in failed.output and "line 14: operator_id" in failed.output
    assert _stored(settings) == 10  # the first batch, and nothing of the bad one
    assert progress_path(file).read_text() == str(sum(len(line) + 1 for line in lines[:10]))

    lines[13] = _lines(14)[13]
    file.write_bytes(b"\n".join(lines) + b"\n")
    resumed = runner.invoke(main, ["ingest", str(file), "--batch", "10"], env=_env(settings))
    assert resumed.exit_code == 0, resumed.output
    assert "15 events stored, 0 duplicates skipped" in resumed.output
    assert _stored(settings) == 25

    again = runner.invoke(main, ["ingest", str(file), "--restart"], env=_env(settings))
    assert "0 events stored, 25 duplicates skipped" in again.output
