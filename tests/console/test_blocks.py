"""What the blocks count for a view: groups in sight, filters, «Отобрать», overdue, load."""

from datetime import timedelta

from starlette.datastructures import QueryParams

from dozor.console import blocks
from dozor.console.view import View
from dozor.conversations.state import fold
from dozor.live.state import LiveState, OperatorLive
from tests.factories import T0
from tests.metrics.scenarios import inbound


def _state() -> LiveState:
    state = LiveState()
    state.operators = {
        "bob": OperatorLive("bob", "Bob", frozenset({"support"}), 2, "online"),
        "eve": OperatorLive("eve", "Eve", frozenset({"support", "sales"}), 3, "online"),
        "kim": OperatorLive("kim", "Kim", frozenset({"sales"}), 3, "offline"),
    }
    from dozor.live.state import GroupInfo

    state.groups = {"support": GroupInfo("Support"), "sales": GroupInfo("Sales")}
    scripts = [
        inbound("s1", medium="chat", group="support", topic="billing"),
        inbound("s2", medium="chat", group="support").at(
            5, "conversation.accepted", operator_id="bob"
        ),
        inbound("s3", medium="chat", group="support")
        .at(5, "conversation.accepted", operator_id="bob")
        .message(6, "operator", operator_id="bob"),
        inbound("s4", medium="chat", group="sales", topic="billing"),
        inbound("s5", medium="chat", group="sales").at(
            5, "conversation.accepted", operator_id="eve"
        ),
    ]
    for script in scripts:
        state.put(fold(script.events), T0 + timedelta(seconds=10))
    return state


def view(query: str = "", visible: frozenset[str] | None = None) -> View:
    return View.read(QueryParams(query), visible=visible)


def test_an_admin_sees_every_group_and_operator() -> None:
    c = blocks.console(_state(), view(), T0)
    assert (c.online, c.total) == (2, 3)
    assert [(g.id, g.online, g.total, g.tally.total) for g in c.groups] == [
        ("sales", 1, 2, 2),
        ("support", 2, 2, 3),
    ]
    assert dict(c.tally.by_state) == {"new": 2, "unanswered": 2, "answered": 1}


def test_a_supervisor_sees_only_their_groups() -> None:
    c = blocks.console(_state(), view(visible=frozenset({"support"})), T0)
    assert [g.id for g in c.groups] == ["support"]
    assert (c.online, c.total, c.tally.total) == (2, 2, 3)
    # asking for another group shows nothing of it
    c = blocks.console(_state(), view("g=sales", visible=frozenset({"support"})), T0)
    assert c.groups == [] and c.tally.total == 0


def test_filters_by_topic_and_chosen_operators() -> None:
    assert blocks.console(_state(), view("topic=billing"), T0).tally.total == 2
    chosen = blocks.console(_state(), view("op=bob&x=support"), T0)
    assert dict(chosen.tally.by_state) == {"unanswered": 1, "answered": 1}
    assert [r.operator.id for r in chosen.expanded] == ["bob", "eve"]
    sales = blocks.console(_state(), view("x=sales"), T0)  # not the last group drawn
    assert [r.operator.id for r in sales.expanded] == ["eve", "kim"]
    assert chosen.tallies.group_operators[("support", "bob")].total == 2


def test_overdue_counts_after_the_deadline() -> None:
    state = _state()
    state.flip(T0 + timedelta(seconds=61))  # new chats: 60 s to be taken
    c = blocks.console(state, view(), T0)
    assert dict(c.tally.overdue_by_state) == {"new": 2}


def test_load_and_a_group_that_does_not_cope() -> None:
    state = _state()
    c = blocks.console(state, view(), T0 + timedelta(seconds=10))
    sales, support = c.loads
    # support: bob holds 2 of his 2 chats, eve 1 of 3 (in sales): 2 free places, 1 new
    assert (support.in_work, support.capacity, support.free_operators, support.free_slots) == (
        2,
        5,
        1,
        2,
    )
    assert not support.strained
    state.flip(T0 + timedelta(seconds=61))
    assert blocks.console(state, view(), T0).loads[1].strained  # a new one is overdue
    assert blocks.strained(new=3, free_slots=2, overdue_waiting=0)
    assert not blocks.strained(new=2, free_slots=2, overdue_waiting=0)


def test_the_list_puts_overdue_first_and_follows_the_view() -> None:
    state = _state()
    state.put(fold(inbound("s0", -100, medium="chat", group="support").events), T0)
    items, total = blocks.listed(state, view("list=new"))
    assert [i.id for i in items] == ["s0", "s1", "s4"] and total == 3
    items, _ = blocks.listed(state, view("list=open&lo=bob"))
    assert [i.id for i in items] == ["s2", "s3"]
    items, _ = blocks.listed(state, view("list=new&late=1"))
    assert [i.id for i in items] == ["s0"]
    assert blocks.listed(state, view()) == ([], 0)


def test_links_keep_the_view() -> None:
    v = view("g=support&x=support&w=5m")
    assert v.link(listing="new", late=True) == "/console?g=support&x=support&list=new&late=1&w=5m"
    assert View.read(QueryParams(v.query()), visible=None) == v
