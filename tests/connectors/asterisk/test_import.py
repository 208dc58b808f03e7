"""``dozor asterisk import-queue-log``: a morning of a PBX through the writer, on both databases."""

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from dozor.cli import main
from dozor.config import Settings
from dozor.directory.models import Group
from tests.connectors.asterisk.helpers import (
    DATA,
    EPOCH,
    at,
    conversations,
    env,
    operators,
    rows,
)


def _import(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(main, ["asterisk", "import-queue-log", *args], env=env(settings))
    assert result.exit_code == 0, result.output
    return result.output


def _call(callid: int, queue: str) -> str:
    return f"asterisk-{EPOCH}.{callid}@{queue}"


def test_a_morning_of_queue_log_becomes_conversations_and_statuses(
    settings: Settings, tmp_path: Path
) -> None:
    names = tmp_path / "agents.csv"
    names.write_text("agent,name\nPJSIP/101,Анна Петрова\n102,Олег\n", encoding="utf-8")
    queues = tmp_path / "queues.csv"
    queues.write_text("queue;name\nsupport;Поддержка\n", encoding="utf-8")

    output = _import(
        settings, str(DATA / "queue_log"), "--names", str(names), "--names", str(queues)
    )
    assert "42 records read: 58 events stored, 0 duplicates skipped" in output
    assert "1 malformed lines skipped" in output
    for skipped in ("1 × CONFIGRELOAD", "1 × DID", "1 × QUEUESTART"):
        assert f"skipped {skipped}" in output

    found = conversations(settings)
    assert len(found) == 10
    answered = found[_call(11, "support")]
    assert (answered.medium, answered.channel_id, answered.client_phone) == (
        "call",
        "asterisk",
        "+74951234567",
    )
    assert (answered.queued_at, answered.accepted_at, answered.closed_at) == (
        at(100),
        at(122),
        at(302),
    )
    assert (answered.operator_id, answered.closed_by, answered.status) == (
        "102",
        "client",
        "closed",
    )

    expected = {
        # callid, queue: operator, closed by, reason, accepted, closed (seconds after T0)
        (21, "support"): (None, "client", "abandon", None, 235),
        (31, "support"): (None, "client", "abandon", None, 213),
        (41, "sales"): ("103", "operator", "transfer to 200@from-internal", 303, 363),
        (51, "sales"): (None, "system", "timeout", None, 460),
        (51, "support"): ("101", "operator", None, 465, 565),
        (61, "sales"): (None, "client", "key 5", None, 512),
        (71, "support"): (None, "system", "exitempty", None, 602),
        (81, "sales"): ("103", "operator", f"attended transfer (BRIDGE {EPOCH}.82)", 703, 753),
        (91, "support"): ("101", "operator", "blind transfer to 300@from-internal", 804, 824),
    }
    for (callid, queue), (operator, by, reason, accepted, closed) in expected.items():
        row = found[_call(callid, queue)]
        assert (row.operator_id, row.closed_by, row.close_reason) == (operator, by, reason)
        assert row.accepted_at == (at(accepted) if accepted is not None else None)
        assert row.closed_at == at(closed) and row.group_id == queue
    assert found[_call(41, "sales")].transfers == 1

    people = operators(settings)
    assert {
        key: (o.name, o.status, o.status_reason, o.status_since) for key, o in people.items()
    } == {
        "101": ("Анна Петрова", "online", None, at(60)),
        "102": ("Олег", "online", None, at(900)),
        "103": ("103", "away", "Перерыв", at(1000)),
        "104": ("104", "offline", None, at(1100)),
        "3001": ("3001", "offline", None, at(1800)),
        "3002": ("3002", "offline", "Autologoff", at(1800)),
    }
    groups = dict(rows(settings, select(Group.id, Group.name)))
    assert groups == {"support": "Поддержка", "sales": "sales"}


def test_importing_again_or_from_the_table_export_adds_nothing(settings: Settings) -> None:
    _import(settings, str(DATA / "queue_log"))
    again = _import(settings, str(DATA / "queue_log"))
    assert "0 events stored, 58 duplicates skipped" in again
    # the same log exported from the queue_log table (local times): the same event ids
    table = _import(settings, str(DATA / "queue_log_table.csv"), "--timezone", "Europe/Moscow")
    assert "42 records read: 0 events stored, 58 duplicates skipped" in table


def test_a_bad_names_file_stops_before_anything_is_stored(
    settings: Settings, tmp_path: Path
) -> None:
    names = tmp_path / "names.csv"
    names.write_text("login,name\n101,Анна\n", encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["asterisk", "import-queue-log", str(DATA / "queue_log"), "--names", str(names)],
        env=env(settings),
    )
    assert result.exit_code == 2 and "'agent,name' or 'queue,name'" in result.output
    assert conversations(settings) == {}
