"""The simulated center, pure: repeatable, valid, in time order, and eventful enough for a demo."""

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from pydantic import TypeAdapter

from dozor.conversations import sla
from dozor.conversations import state as conversation_state
from dozor.events import contract as c
from dozor.simulate import generate
from dozor.simulate.engine import Simulation

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # noon in Moscow
SEED = 7
events_adapter = TypeAdapter(list[c.Event])


@pytest.fixture(scope="module")
def two_hours() -> list[dict[str, Any]]:
    return list(generate(SEED, T0, 2))


@pytest.fixture(scope="module")
def parsed(two_hours: list[dict[str, Any]]) -> list[c.Event]:
    # through JSON, as an integration's batch arrives
    return events_adapter.validate_json(orjson.dumps(two_hours))


@pytest.fixture(scope="module")
def conversations(parsed: list[c.Event]) -> dict[str, list[c.ConversationEvent]]:
    grouped: dict[str, list[c.ConversationEvent]] = defaultdict(list)
    for event in parsed:
        if not isinstance(event, c.OperatorStatus):
            grouped[event.conversation_id].append(event)
    return grouped


def test_same_seed_gives_the_same_events(two_hours: list[dict[str, Any]]) -> None:
    assert list(generate(SEED, T0, 2)) == two_hours


def test_another_seed_gives_other_events(two_hours: list[dict[str, Any]]) -> None:
    other = list(generate(SEED + 1, T0, 2))
    assert [e["type"] for e in other] != [e["type"] for e in two_hours]


def test_advancing_in_small_steps_gives_the_same_events(two_hours: list[dict[str, Any]]) -> None:
    simulation = Simulation(SEED, T0)
    stepped = [e for second in range(0, 2 * 3600 + 1, 7) for e in simulation.advance(second)]
    stepped += simulation.advance(2 * 3600)
    assert stepped == two_hours


def test_every_event_is_valid_unique_and_in_time_order(
    two_hours: list[dict[str, Any]], parsed: list[c.Event]
) -> None:
    assert len(parsed) == len(two_hours) > 2000
    assert len({e.id for e in parsed}) == len(parsed)
    assert all(e.id.startswith(f"sim{SEED}-260302090000-") for e in parsed)
    times = [e.ts for e in parsed]
    assert times == sorted(times)
    assert T0 <= times[0] <= times[-1] <= T0 + timedelta(hours=2)
    assert all(e.ts.utcoffset() == timedelta(0) for e in parsed)
    assert all(e["ts"].endswith("+00:00") for e in two_hours)


def test_two_hours_show_every_kind_of_event(parsed: list[c.Event]) -> None:
    kinds = Counter(_kind(e) for e in parsed)
    expected = {
        "conversation.opened",
        "conversation.queued",
        "conversation.offered",
        "conversation.accepted",
        "conversation.declined",
        "conversation.transferred to_group",
        "conversation.transferred to_operator",
        "message.created client",
        "message.created operator",
        "message.created bot",
        "conversation.hold on",
        "conversation.hold off",
        "conversation.closing",
        "conversation.closed client",
        "conversation.closed operator",
        "conversation.closed system",
        "conversation.closed operator spam",
        "conversation.closed system spam",
        "conversation.wrapup_done",
        "conversation.rated",
        "operator.status online",
        "operator.status away",
        "operator.status offline",
    }
    assert expected <= set(kinds), expected - set(kinds)
    media = Counter(e.medium for e in parsed if isinstance(e, c.ConversationOpened))
    assert set(media) == {"call", "chat", "email"}
    channels = {e.channel_id for e in parsed if isinstance(e, c.ConversationOpened)}
    assert {"web-chat", "telegram", "vk", "email"} <= channels


def _kind(event: c.Event) -> str:
    match event:
        case c.ConversationTransferred():
            return f"{event.type} {'to_operator' if event.to_operator_id else 'to_group'}"
        case c.MessageCreated():
            return f"{event.type} {event.author}"
        case c.ConversationHold():
            return f"{event.type} {'on' if event.on else 'off'}"
        case c.ConversationClosed():
            return f"{event.type} {event.by}{' spam' if event.spam else ''}"
        case c.OperatorStatus():
            return f"{event.type} {event.status}"
    return event.type


def test_some_callers_abandon_the_queue_some_within_seconds(
    conversations: dict[str, list[c.ConversationEvent]],
) -> None:
    waits = []
    for events in conversations.values():
        state = conversation_state.fold(events)
        queued, closed = state.queued_at, state.closed_at
        if state.medium == "call" and queued and closed and state.accepted_at is None:
            waits.append((closed - queued).total_seconds())
    assert any(w < 5 for w in waits), "no short abandons"
    assert sum(w >= 5 for w in waits) >= 5, "too few lost calls"


def test_chats_go_overdue_untaken_and_unanswered(
    conversations: dict[str, list[c.ConversationEvent]],
) -> None:
    """Replayed through the real state and SLA rules, some chats wait past their targets."""
    episodes: Counter[tuple[str | None, str]] = Counter()
    for events in conversations.values():
        ordered = sorted(events, key=c.sort_key)
        state = conversation_state.new_state(ordered[0])
        for event, following in zip(ordered, ordered[1:], strict=False):
            state = conversation_state.apply(state, event)
            due = sla.deadline(state)
            if due is not None and following.ts > due:
                episodes[(state.medium, state.work_state)] += 1
    assert episodes[("chat", "new")] >= 3, episodes  # not taken within 60 s
    assert episodes[("chat", "unanswered")] >= 3, episodes  # no reply within 120 s


def test_operators_log_in_over_the_first_minutes(parsed: list[c.Event]) -> None:
    first: dict[str, c.OperatorStatus] = {}
    for event in parsed:
        if isinstance(event, c.OperatorStatus):
            first.setdefault(event.operator_id, event)
    assert len(first) >= 15
    assert all(e.status == "online" for e in first.values())
    assert max(e.ts for e in first.values()) <= T0 + timedelta(minutes=3)


def test_late_morning_is_busier_than_the_night() -> None:
    def opened(start: datetime) -> int:
        return sum(e["type"] == "conversation.opened" for e in generate(SEED, start, 1))

    moscow_11 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    moscow_03 = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert opened(moscow_11) > 3 * opened(moscow_03)


def test_operators_keep_to_their_capacity_and_leave_only_when_done() -> None:
    simulation = Simulation(SEED, T0)
    for second in range(0, 14 * 3600, 60):  # into the evening, when shifts end
        simulation.advance(second)
        for agent in simulation.agents:
            assert 0 <= agent.items <= agent.spec.chat_capacity
            assert agent.status != "offline" or agent.idle
    assert any(agent.status == "offline" for agent in simulation.agents)
