"""queue_log parsing and mapping: pure functions, no database."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dozor.connectors.asterisk.agents import operator_id
from dozor.connectors.asterisk.mapping import Skip, conversation_id, map_record
from dozor.connectors.asterisk.queue_log import TableReader, looks_like_file, parse_line
from tests.connectors.asterisk.helpers import EPOCH, T0

MSK = ZoneInfo("Europe/Moscow")


def _map(line: str) -> list | Skip:  # type: ignore[type-arg]
    record = parse_line(line)
    assert record is not None
    return map_record(record, channel="pbx")


def _brief(events: list) -> list[tuple]:  # type: ignore[type-arg]
    """(type, seconds after T0, the fields that matter) of each event."""
    out = []
    for e in events:
        fields = e.model_dump(
            exclude={"id", "type", "ts", "conversation_id", "actor"}, exclude_none=True
        )
        kept = {k: v for k, v in fields.items() if v not in (None, False)}
        out.append((e.type, (e.ts - T0).total_seconds(), kept))
    return out


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        ("SIP/101", "101"),
        ("PJSIP/alice", "alice"),
        ("Local/101@agents/n", "101"),
        ("Local/101@agents", "101"),
        ("Agent/3001", "3001"),
        ("IAX2/office-7", "office-7"),
        ("Анна Петрова", "Анна Петрова"),
        ("NONE", None),
        ("", None),
    ],
)
def test_agents_become_operator_ids(agent: str, expected: str | None) -> None:
    assert operator_id(agent) == expected


def test_enterqueue_opens_and_queues_a_call() -> None:
    events = _map(f"{EPOCH + 10}|{EPOCH}.5|support|NONE|ENTERQUEUE||+74951234567|1")
    assert _brief(events) == [
        (
            "conversation.opened",
            10,
            {
                "channel_id": "pbx",
                "medium": "call",
                "direction": "inbound",
                "client": {"phone": "+74951234567"},
            },
        ),
        ("conversation.queued", 10, {"group_id": "support"}),
    ]
    assert {e.conversation_id for e in events} == {f"pbx-{EPOCH}.5@support"}
    anonymous = _map(f"{EPOCH}|{EPOCH}.5|support|NONE|ENTERQUEUE||anonymous|1")
    assert anonymous[0].client is None


def test_ring_times_are_milliseconds_but_connect_ring_is_seconds() -> None:
    rna = _map(f"{EPOCH + 30}|{EPOCH}.5|support|PJSIP/101|RINGNOANSWER|15000")
    assert _brief(rna) == [
        ("conversation.offered", 15, {"operator_id": "101"}),
        ("conversation.declined", 30, {"operator_id": "101"}),
    ]
    canceled = _map(f"{EPOCH + 30}|{EPOCH}.5|support|PJSIP/101|RINGCANCELED|2500")
    assert _brief(canceled) == [("conversation.offered", 27.5, {"operator_id": "101"})]
    connect = _map(f"{EPOCH + 30}|{EPOCH}.5|support|SIP/102|CONNECT|22|{EPOCH}.6|5")
    assert _brief(connect) == [
        ("conversation.offered", 25, {"operator_id": "102"}),
        ("conversation.accepted", 30, {"operator_id": "102"}),
    ]


@pytest.mark.parametrize(
    ("line", "closed"),
    [
        ("COMPLETEAGENT|22|180|1", {"by": "operator", "operator_id": "102"}),
        ("COMPLETECALLER|22|180|1", {"by": "client", "operator_id": "102"}),
        ("ABANDON|2|2|35", {"by": "client", "reason": "abandon"}),
        ("EXITEMPTY|1|1|2", {"by": "system", "reason": "exitempty"}),
        ("EXITWITHTIMEOUT|1|1|60", {"by": "system", "reason": "timeout"}),
        ("EXITWITHKEY|5|1|1|12", {"by": "client", "reason": "key 5"}),
    ],
)
def test_endings(line: str, closed: dict[str, str]) -> None:
    agent = "SIP/102" if line.startswith("COMPLETE") else "NONE"
    events = _map(f"{EPOCH + 40}|{EPOCH}.5|support|{agent}|{line}")
    assert _brief(events) == [("conversation.closed", 40, closed)]


def test_an_abandon_names_no_operator_even_when_a_member_was_about_to_answer() -> None:
    events = _map(f"{EPOCH + 40}|{EPOCH}.5|support|SIP/102|ABANDON|1|1|40")
    assert _brief(events) == [("conversation.closed", 40, {"by": "client", "reason": "abandon"})]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("TRANSFER|200|from-internal|3|60|1", "transfer to 200@from-internal"),
        ("BLINDTRANSFER|300|from-internal|4|20|1", "blind transfer to 300@from-internal"),
        (
            "ATTENDEDTRANSFER|BRIDGE|1772431200.82|3|50|1",
            "attended transfer (BRIDGE 1772431200.82)",
        ),
    ],
)
def test_transfers_end_the_queue_call(line: str, reason: str) -> None:
    events = _map(f"{EPOCH + 60}|{EPOCH}.5|sales|SIP/103|{line}")
    assert _brief(events) == [
        ("conversation.transferred", 60, {}),
        ("conversation.closed", 60, {"by": "operator", "operator_id": "103", "reason": reason}),
    ]


@pytest.mark.parametrize(
    ("line", "status", "reason"),
    [
        ("support|PJSIP/101|ADDMEMBER|", "online", None),
        ("support|PJSIP/101|REMOVEMEMBER|", "offline", None),
        ("support|PJSIP/101|PAUSE|Обед", "away", "Обед"),
        ("NONE|PJSIP/101|PAUSEALL|", "away", None),
        ("support|PJSIP/101|UNPAUSE|", "online", None),
        ("NONE|PJSIP/101|UNPAUSEALL|", "online", None),
        ("NONE|Agent/101|AGENTLOGIN|SIP/101", "online", None),
        ("NONE|Agent/101|AGENTLOGOFF|SIP/101|600", "offline", None),
        ("NONE|Agent/101|AGENTCALLBACKLOGIN|101@agents", "online", None),
        ("NONE|Agent/101|AGENTCALLBACKLOGOFF|101@agents|600|Autologoff", "offline", "Autologoff"),
    ],
)
def test_member_events_set_the_operator_status(line: str, status: str, reason: str | None) -> None:
    [event] = _map(f"{EPOCH}|NONE|{line}")
    assert (event.type, event.operator_id, event.status, event.reason) == (
        "operator.status",
        "101",
        status,
        reason,
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("NONE|NONE|NONE|QUEUESTART|", "QUEUESTART"),
        ("NONE|NONE|NONE|CONFIGRELOAD|", "CONFIGRELOAD"),
        ("1.5|support|NONE|DID|88005550101", "DID"),
        ("1.5|support|NONE|SOMETHINGNEW|x", "SOMETHINGNEW"),
        ("NONE|support|SIP/101|CONNECT|1|2|3", "CONNECT without a call"),
        ("1.5|support|NONE|CONNECT|1|2|3", "CONNECT without an agent"),
        ("NONE|support|NONE|PAUSE|", "PAUSE without an agent"),
    ],
)
def test_what_makes_no_event_is_skipped_with_a_reason(line: str, reason: str) -> None:
    assert _map(f"{EPOCH}|{line}") == Skip(reason)


def test_ids_derive_from_the_line_so_a_second_reading_gives_the_same_events() -> None:
    line = f"{EPOCH}|{EPOCH}.5|support|SIP/102|CONNECT|22|{EPOCH}.6|5"
    first, again = _map(line), _map(line)
    assert [e.id for e in first] == [e.id for e in again]
    assert first[0].id != first[1].id and first[0].id.startswith("pbx-")
    other = _map(line.replace("|5", "|6"))
    assert {e.id for e in other}.isdisjoint(e.id for e in first)


def test_broken_lines_are_not_records() -> None:
    assert parse_line("garbage") is None
    assert parse_line("notanumber|1.5|q|SIP/1|CONNECT|1") is None
    assert parse_line("1772431200|1.5|q|SIP/1|") is None
    assert looks_like_file("1772431200|1.5|q|SIP/1|CONNECT|1")
    assert not looks_like_file("time,callid,queuename,agent,event,data1")


def test_a_table_export_gives_the_records_of_the_file() -> None:
    line = f"{EPOCH + 30}|{EPOCH}.5|support|SIP/102|CONNECT|22|{EPOCH}.6|5"
    table = TableReader(
        "time\tcallid\tqueuename\tagent\tevent\tdata1\tdata2\tdata3\tdata4\tdata5", MSK
    )
    local = (T0 + timedelta(seconds=30)).astimezone(MSK).replace(tzinfo=None)
    row = (
        f"{local:%Y-%m-%d %H:%M:%S.%f}\t{EPOCH}.5\tsupport\tSIP/102\tCONNECT\t22\t{EPOCH}.6\t5\t\t"
    )
    assert table.parse(row) == parse_line(line)
    # the older schema: one ``data`` column, and an epoch time
    joined = TableReader("time,callid,queuename,agent,event,data", UTC)
    assert joined.parse(f'{EPOCH + 30},{EPOCH}.5,support,SIP/102,CONNECT,"22|{EPOCH}.6|5"') == (
        parse_line(line)
    )
    with_offset = TableReader("time;callid;queuename;agent;event;data1;data2;data3", UTC)
    moment = datetime.fromtimestamp(EPOCH + 30, MSK).isoformat()
    assert with_offset.parse(f"{moment};{EPOCH}.5;support;SIP/102;CONNECT;22;{EPOCH}.6;5") == (
        parse_line(line)
    )
    with pytest.raises(ValueError, match="callid"):
        TableReader("time,queuename,agent,event,data1", UTC)


def test_conversation_ids_are_per_queue_visit() -> None:
    assert conversation_id("pbx", "1.5", "sales") != conversation_id("pbx", "1.5", "support")
