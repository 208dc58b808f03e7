"""Call records (Master.csv, a mapped CSV) as events: the pure rules, then the import."""

import csv
import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from dozor.cli import main
from dozor.config import Settings
from dozor.connectors.asterisk.calls import CallRecord, call_events
from dozor.connectors.asterisk.cdr import Mapping, MappingError, generic_record, master_record
from dozor.connectors.asterisk.mapping import Skip
from dozor.connectors.asterisk.profiles import ANONYMOUS_BANK
from tests.connectors.asterisk.helpers import DATA, conversations, env

MSK = ZoneInfo("Europe/Moscow")
T = datetime(2026, 3, 2, 9, 0, tzinfo=MSK)


def _at(seconds: float) -> datetime:
    return T + timedelta(seconds=seconds)


def _brief(record: CallRecord) -> list[tuple]:  # type: ignore[type-arg]
    out = []
    for e in call_events(record, channel="pbx"):
        fields = e.model_dump(exclude={"id", "type", "ts", "conversation_id"}, exclude_none=True)
        kept = {k: v for k, v in fields.items() if k in ("group_id", "operator_id", "by", "reason")}
        out.append((e.id.removeprefix("pbx-x-"), (e.ts - T).total_seconds(), kept))
    return out


def test_a_call_taken_from_the_queue() -> None:
    call = CallRecord(
        "x", "inbound", _at(0), queue="support", queue_start=_at(5), queue_end=_at(26),
        answer=_at(25), end=_at(205), agent="anna", answered=True, outcome="AGENT",
    )  # fmt: skip
    assert _brief(call) == [
        ("opened", 0, {}),
        ("queued", 5, {"group_id": "support"}),
        ("accepted", 25, {"operator_id": "anna"}),
        ("closed", 205, {"by": "system", "operator_id": "anna", "reason": "AGENT"}),
    ]


def test_a_call_answered_without_queueing_waits_zero_in_its_group() -> None:
    # the bank's quirk: the service starts a second before the voice menu ends
    call = CallRecord(
        "x", "inbound", _at(0), ivr_end=_at(10), queue="PS", answer=_at(9), end=_at(60),
        agent="DORIT", answered=True,
    )  # fmt: skip
    assert _brief(call)[1:3] == [
        ("queued", 9, {"group_id": "PS"}),
        ("accepted", 9, {"operator_id": "DORIT"}),
    ]


def test_untaken_calls_close_when_they_leave_the_queue() -> None:
    lost = CallRecord(
        "x", "inbound", _at(0), queue="PS", queue_start=_at(5), queue_end=_at(40),
        answer=_at(41), end=_at(90), abandoned=True, outcome="HANG",
    )  # fmt: skip
    assert _brief(lost)[-1] == ("closed", 40, {"by": "client", "reason": "HANG"})
    # answered, but by nobody the record names: not taken
    nobody = CallRecord(
        "x", "inbound", _at(0), ivr_end=_at(8), queue="PS", answer=_at(8), end=_at(12),
        answered=True, outcome="AGENT",
    )  # fmt: skip
    assert _brief(nobody) == [
        ("opened", 0, {}),
        ("closed", 12, {"by": "system", "reason": "AGENT"}),
    ]


def test_outbound_calls_belong_to_their_operator_answered_or_not() -> None:
    answered = CallRecord(
        "x", "outbound", _at(0), queue="sales", answer=_at(15), end=_at(120), agent="olga",
        answered=True,
    )  # fmt: skip
    assert _brief(answered) == [
        ("opened", 0, {"group_id": "sales"}),
        ("accepted", 15, {"operator_id": "olga"}),
        ("closed", 120, {"by": "system", "operator_id": "olga"}),
    ]
    busy = CallRecord("x", "outbound", _at(0), end=_at(30), agent="olga", outcome="BUSY")
    assert _brief(busy)[-1] == (
        "closed",
        30,
        {"by": "system", "operator_id": "olga", "reason": "BUSY"},
    )


def test_master_csv_rows() -> None:
    rows = (DATA / "Master.csv").read_text().splitlines()
    outbound, _, inbound, abandoned = (
        master_record(row, tz=MSK, outbound_contexts=("from-internal*",))
        for row in csv.reader(rows)
    )
    assert isinstance(outbound, CallRecord) and isinstance(inbound, CallRecord)
    assert (outbound.direction, outbound.agent, outbound.client_phone, outbound.answer) == (
        "outbound",
        "101",
        "84951112233",
        datetime(2026, 3, 2, 9, 10, 12, tzinfo=MSK),
    )
    assert (inbound.direction, inbound.agent, inbound.queue, inbound.id) == (
        "inbound",
        "101",
        "support",
        "1772432400.5",
    )
    assert isinstance(abandoned, CallRecord) and abandoned.abandoned and abandoned.agent is None
    header = ",".join(["accountcode", *["x"] * 15])
    assert master_record(header.split(","), tz=UTC, outbound_contexts=()) == Skip("header")
    assert master_record(["1", "2"], tz=UTC, outbound_contexts=()) == Skip("short row")


def test_the_bank_profile_reads_times_of_day_on_their_date() -> None:
    header = [
        "vru+line",
        "call_id",
        "customer_id",
        "priority",
        "type",
        "date",
        "vru_entry",
        "vru_exit",
        "vru_time",
        "q_start",
        "q_exit",
        "q_time",
        "outcome",
        "ser_start",
        "ser_exit",
        "ser_time",
        "server",
    ]
    row = [
        "AA0101",
        "34536",
        "0",
        "0",
        "PS",
        "990201",
        "23:58:47",
        "23:58:56",
        "9",
        "23:58:56",
        "0:00:20",
        "84",
        "AGENT",
        "0:00:19",
        "0:05:41",
        "322",
        "DORIT",
    ]
    record = generic_record(dict(zip(header, row, strict=True)), ANONYMOUS_BANK)
    assert isinstance(record, CallRecord)
    israel = ZoneInfo("Asia/Jerusalem")
    assert record.id == "AA0101-34536" and record.client_id is None and record.agent == "DORIT"
    assert record.arrival == datetime(1999, 2, 1, 23, 58, 47, tzinfo=israel)
    assert record.answer == datetime(1999, 2, 2, 0, 0, 19, tzinfo=israel)  # past midnight
    phantom = dict(zip(header, [v.replace("AGENT", "PHANTOM") for v in row], strict=True))
    assert generic_record(phantom, ANONYMOUS_BANK) == Skip("outcome PHANTOM")


def test_mappings_are_checked() -> None:
    mapping = Mapping.from_toml(tomllib.loads((DATA / "calls.toml").read_text()))
    assert (mapping.channel, mapping.outbound, mapping.columns["agent"]) == (
        "crm-calls",
        ("out",),
        "operator",
    )
    for bad, reason in [
        ({"columns": {"id": "a"}}, "'id' and 'arrival'"),
        ({"columns": {"id": "a", "arrival": "b", "talk": "c"}}, "unknown column role"),
        ({"columns": {"id": "a", "arrival": "b"}, "colour": {}}, "unknown section"),
        ({"columns": {"id": "a", "arrival": "b"}, "time": {"zone": "x"}}, r"\[time\] zone"),
        ({"columns": {"id": "a", "arrival": "b"}, "time": {"timezone": "Mars/Base"}}, "zone"),
    ]:
        with pytest.raises(MappingError, match=reason):
            Mapping.from_toml(bad)


def _import(settings: Settings, *args: str) -> str:
    result = CliRunner().invoke(main, ["asterisk", "import-cdr", *args], env=env(settings))
    assert result.exit_code == 0, result.output
    return result.output


def test_import_master_csv_and_a_mapped_csv(settings: Settings) -> None:
    output = _import(settings, str(DATA / "Master.csv"), "--timezone", "Europe/Moscow")
    assert "4 records read: 12 events stored" in output
    again = _import(settings, str(DATA / "Master.csv"), "--direction", "outbound")
    assert "0 events stored, 5 duplicates skipped" in again and "skipped 2 × inbound call" in again

    found = conversations(settings)
    dialled = found["asterisk-1772431800.1"]
    assert (dialled.direction, dialled.operator_id, dialled.client_phone) == (
        "outbound",
        "101",
        "84951112233",
    )
    assert dialled.accepted_at == datetime(2026, 3, 2, 6, 10, 12, tzinfo=UTC)
    unanswered = found["asterisk-1772431860.3"]
    assert (unanswered.operator_id, unanswered.accepted_at, unanswered.close_reason) == (
        "102",
        None,
        "NO ANSWER",
    )
    queued = found["asterisk-1772432400.5"]
    assert (queued.group_id, queued.operator_id, queued.queued_at) == (
        "support",
        "101",
        datetime(2026, 3, 2, 6, 20, tzinfo=UTC),
    )
    assert found["asterisk-1772433000.7"].closed_by == "client"

    mapped = _import(settings, str(DATA / "calls.csv"), "--mapping", str(DATA / "calls.toml"))
    assert "5 records read: 16 events stored" in mapped
    found = conversations(settings)
    taken = found["crm-calls-c1"]
    assert taken.operator_id == "anna"
    assert (taken.accepted_at - taken.queued_at).total_seconds() == 20
    assert found["crm-calls-c2"].closed_by == "client"
    assert (found["crm-calls-c3"].direction, found["crm-calls-c3"].operator_id) == (
        "outbound",
        "olga",
    )
    assert found["crm-calls-c4"].operator_id == "olga"
    direct = found["crm-calls-c5"]
    assert direct.queued_at == direct.accepted_at and direct.group_id == "support"


def test_import_cdr_needs_a_mapping_for_a_generic_csv(settings: Settings, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        main,
        ["asterisk", "import-cdr", str(DATA / "calls.csv"), "--format", "generic"],
        env=env(settings),
    )
    assert result.exit_code == 2 and "--mapping or --profile" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nid = "call"\n', encoding="utf-8")
    result = runner.invoke(
        main, ["asterisk", "import-cdr", str(DATA / "calls.csv"), "--mapping", str(bad)],
        env=env(settings),
    )  # fmt: skip
    assert result.exit_code == 2 and "'id' and 'arrival'" in result.output
