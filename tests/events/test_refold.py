"""``dozor refold``: the projections rebuilt from the log equal what ingest folded."""

import asyncio
from pathlib import Path

import orjson
from click.testing import CliRunner
from sqlalchemy import select, update

from dozor.cli import main
from dozor.config import Settings
from dozor.conversations.models import Conversation
from dozor.conversations.state import FIELDS
from dozor.db import create_engine, sessionmaker
from dozor.operators.models import Operator
from dozor.simulate import generate
from tests.factories import T0

OPERATOR_FIELDS = ("id", "status", "status_since", "status_reason", "last_ts", "last_event_id")


def _env(settings: Settings) -> dict[str, str]:
    return {"DOZOR_DATA_DIR": str(settings.data_dir), "DOZOR_DATABASE_URL": settings.database_url}


async def _in_session(settings: Settings, work):  # type: ignore[no-untyped-def]
    engine = create_engine(settings)
    try:
        async with sessionmaker(engine)() as session, session.begin():
            return await work(session)
    finally:
        await engine.dispose()


def _projections(settings: Settings) -> tuple[list[tuple], list[tuple]]:
    async def read(session):  # type: ignore[no-untyped-def]
        conversations = Conversation.__table__.c
        operators = Operator.__table__.c
        return (
            list(
                await session.execute(
                    select(*[conversations[f] for f in FIELDS]).order_by(conversations.id)
                )
            ),
            list(
                await session.execute(
                    select(*[operators[f] for f in OPERATOR_FIELDS]).order_by(operators.id)
                )
            ),
        )

    return asyncio.run(_in_session(settings, read))


def test_refold_rebuilds_damaged_projections_from_the_log(
    settings: Settings, tmp_path: Path
) -> None:
    file = tmp_path / "events.jsonl"
    file.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in generate(7, T0, hours=2)))
    runner = CliRunner()
    ingested = runner.invoke(main, ["ingest", str(file)], env=_env(settings))
    assert ingested.exit_code == 0, ingested.output
    folded = _projections(settings)
    assert len(folded[0]) > 100 and any(row.status == "closed" for row in folded[0])
    assert any(row.status == "online" for row in folded[1])

    async def damage(session):  # type: ignore[no-untyped-def]
        # as rows folded before a migration that added columns: the new facts are missing
        await session.execute(
            update(Conversation).values(
                queue_since=None, accepted_operator_id=None, status="open", last_event_id=""
            )
        )
        await session.execute(update(Operator).values(status="offline", status_since=None))

    asyncio.run(_in_session(settings, damage))
    assert _projections(settings) != folded

    refolded = runner.invoke(main, ["refold"], env=_env(settings))
    assert refolded.exit_code == 0, refolded.output
    assert f"{len(folded[0])} conversations and" in refolded.output
    assert _projections(settings) == folded
    again = runner.invoke(main, ["refold"], env=_env(settings))  # nothing to change: same rows
    assert again.exit_code == 0 and _projections(settings) == folded
