"""The live state without a database: buckets follow every change, deadlines flip by time,
what no window reaches is forgotten."""

from datetime import timedelta

from dozor.conversations.sla import Targets
from dozor.conversations.state import fold
from dozor.live.state import Busy, LiveState
from dozor.live.targets import SlaRules
from dozor.operators.state import StatusState
from tests.factories import T0
from tests.metrics.scenarios import at, inbound


def _put(state: LiveState, script, now=T0) -> None:  # type: ignore[no-untyped-def]
    state.put(fold(script.events), now)


def _counts(state: LiveState) -> dict:  # type: ignore[type-arg]
    return {
        (b.group_id, b.operator_id, b.work_state, b.overdue): n for b, n in state.counts.items()
    }


def test_buckets_follow_a_conversation_through_its_states() -> None:
    state = LiveState()
    chat = inbound("c1", medium="chat", group="support")
    _put(state, chat)
    assert _counts(state) == {("support", None, "new", False): 1}
    _put(state, chat.at(10, "conversation.accepted", operator_id="bob"), at(10))
    assert _counts(state) == {("support", "bob", "unanswered", False): 1}
    assert state.by_operator["bob"] == {"c1"}
    _put(state, chat.at(20, "conversation.closed", by="operator"), at(20))
    assert _counts(state) == {}
    assert "c1" in state.items  # kept for the KPI windows


def test_a_conversation_turns_overdue_by_time_alone() -> None:
    state = LiveState()
    _put(state, inbound("c1", medium="chat", group="support"))
    assert state.deadlines.next_due() == at(60)
    assert state.flip(at(60)) == 0  # overdue means past the deadline
    assert state.flip(at(61)) == 1
    assert state.items["c1"].overdue and _counts(state) == {("support", None, "new", True): 1}
    assert state.flip(at(200)) == 0 and state.deadlines.next_due() is None


def test_new_targets_move_every_deadline() -> None:
    state = LiveState()
    _put(state, inbound("c1", medium="chat", group="support"))
    rules = SlaRules(targets={("support", "chat"): Targets(new=10, unanswered=None, answered=None)})
    state.set_sla(rules, at(15))
    assert state.items["c1"].overdue and state.items["c1"].contact.overdue_at == at(10)
    state.set_sla(SlaRules(), at(15))
    assert not state.items["c1"].overdue and state.deadlines.next_due() == at(60)


def test_prune_forgets_what_closed_before_the_horizon() -> None:
    state = LiveState()
    _put(state, inbound("old", medium="chat").at(5, "conversation.closed", by="client"))
    _put(state, inbound("open", medium="chat"))
    for n, status in enumerate(("online", "away", "online")):
        state.put_status("bob", StatusState(status, at(n), None, at(n), f"s{n}"))
    state.prune(at(100))
    assert set(state.items) == {"open"}
    assert [s for _, _, s in state.operators["bob"].statuses] == ["online"]


def test_a_late_status_asks_for_the_history_again() -> None:
    state = LiveState()
    assert state.put_status("bob", StatusState("online", at(10), None, at(10), "b"))
    assert state.put_status("bob", StatusState("online", at(10), None, at(10), "b"))  # again
    assert not state.put_status("bob", StatusState("away", at(5), None, at(5), "a"))
    state.set_statuses("bob", [(at(10), "b", "online"), (at(5), "a", "away")])
    assert state.operators["bob"].agent().statuses == ((at(5), "away"), (at(10), "online"))


def test_contacts_carry_the_groups_deadline() -> None:
    rules = SlaRules(targets={("vip", "chat"): Targets(new=5, unanswered=None, answered=None)})
    state = LiveState(sla=rules)
    _put(state, inbound("c1", medium="chat", group="vip"))
    assert state.contacts()[0].overdue_at == T0 + timedelta(seconds=5)


def test_busy_agrees_with_the_operators_kpis() -> None:
    from dozor.metrics import staffing
    from dozor.metrics.records import Agent

    scripts = [
        inbound("chat-1", medium="chat").at(5, "conversation.accepted", operator_id="bob"),
        inbound("chat-2", medium="chat").at(6, "conversation.accepted", operator_id="bob"),
        inbound("chat-3", medium="chat").at(7, "conversation.accepted", operator_id="eve"),
        inbound("call-1").at(5, "conversation.accepted", operator_id="kim"),
        inbound("call-2")
        .at(5, "conversation.accepted", operator_id="ann")
        .at(50, "conversation.closed", by="client"),
        inbound("call-3")
        .at(5, "conversation.accepted", operator_id="joe")
        .at(50, "conversation.closed", by="client")
        .at(60, "conversation.wrapup_done", operator_id="joe"),
        inbound("call-4").at(8, "conversation.transferred", to_operator_id="max"),
    ]
    state = LiveState(wrapup_limit=300)
    for script in scripts:
        _put(state, script, at(70))
    for seconds in (70, 349, 351):
        now = at(seconds)
        busy = state.busy(now)
        doing = staffing.activities(state.contacts(), now, 300)
        for name in ("bob", "eve", "kim", "ann", "joe", "max", "nobody"):
            for capacity in (1, 2, 3):
                mine = busy.get(name, Busy())
                theirs = staffing.is_free(
                    Agent(name, chat_capacity=capacity), doing.get(name, staffing.Activity())
                )
                assert mine.free(capacity) == theirs, (seconds, name, capacity)
            assert (
                busy.get(name, mine).open_chats == doing.get(name, staffing.Activity()).open_chats
            )
