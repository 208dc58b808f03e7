"""The operators' KPIs: online, free, on calls, utilization (pure: no database)."""

from pytest import approx

from dozor.metrics.kpis import compute
from dozor.metrics.records import Scope
from dozor.metrics.spans import intersect, merge, seconds
from dozor.metrics.staffing import online_spans
from tests.metrics.scenarios import TEN_MINUTES, at, contacts, inbound, operator, outbound

ONLINE = (-100, "online")


def staffing_scene():  # type: ignore[no-untyped-def]
    agents = [
        operator("bob", ONLINE, groups=["sales"]),
        operator("eve", ONLINE, groups=["support"], chat_capacity=3),
        operator("ann", ONLINE, (100, "away"), groups=["sales"]),
        operator("joe"),
        operator("zed", ONLINE),
        operator("kim", ONLINE),
        operator("lee", ONLINE),
    ]
    scripts = [
        inbound("group-call", 500).at(510, "conversation.accepted", operator_id="bob"),
        inbound("own-call", 550, group=None, personal=True).at(
            555, "conversation.accepted", operator_id="zed"
        ),
        inbound("wrapping", 400)
        .at(410, "conversation.accepted", operator_id="kim")
        .at(590, "conversation.closed", by="client"),
        inbound("lee-chat", medium="chat").at(5, "conversation.accepted", operator_id="lee"),
        *(
            inbound(f"eve-{n}", medium="chat").at(100, "conversation.accepted", operator_id="eve")
            for n in range(3)
        ),
    ]
    return agents, scripts


def test_online_free_and_on_calls_at_the_end() -> None:
    agents, scripts = staffing_scene()
    values = compute(contacts(scripts), agents, TEN_MINUTES)
    assert (values["operators_online"], values["operators_total"]) == (5, 7)
    # bob: on a call; eve: at capacity; kim: after-call work; zed: own call; lee: one chat
    assert values["free_operators"] == 1
    assert (values["on_group_calls"], values["on_personal_calls"]) == (1, 1)
    scripts[2].at(595, "conversation.wrapup_done", operator_id="kim")
    assert compute(contacts(scripts), agents, TEN_MINUTES)["free_operators"] == 2
    sales = compute(
        contacts(scripts), agents, TEN_MINUTES, scope=Scope(groups=frozenset({"sales"}))
    )
    assert (sales["operators_online"], sales["operators_total"], sales["free_operators"]) == (
        1,
        2,
        0,
    )


def test_an_own_outbound_call_is_personal_a_campaign_call_of_a_group_is_not() -> None:
    agents = [operator("bob", ONLINE), operator("eve", ONLINE)]
    scripts = [
        outbound("own").at(10, "conversation.accepted", operator_id="bob"),
        outbound("campaign", group_id="sales").at(10, "conversation.accepted", operator_id="eve"),
    ]
    values = compute(contacts(scripts), agents, TEN_MINUTES)
    assert (values["on_group_calls"], values["on_personal_calls"]) == (1, 1)


def utilization_scene():  # type: ignore[no-untyped-def]
    agents = [
        operator("bob", ONLINE, groups=["sales"]),
        operator("eve", ONLINE, (300, "offline"), groups=["support"]),
        operator("ann"),
    ]
    scripts = [
        inbound("call", 90)
        .at(100, "conversation.accepted", operator_id="bob")
        .at(200, "conversation.closed", by="client")
        .at(250, "conversation.wrapup_done", operator_id="bob"),
        inbound("chat-1", 240, medium="chat")
        .at(250, "conversation.accepted", operator_id="eve")
        .at(400, "conversation.closed", by="client"),
        inbound("chat-2", 270, medium="chat")
        .at(280, "conversation.accepted", operator_id="eve")
        .at(350, "conversation.closed", by="client"),
        inbound("mail", medium="email").at(1, "conversation.accepted", operator_id="bob"),
        inbound("ann-chat", medium="chat").at(1, "conversation.accepted", operator_id="ann"),
    ]
    return agents, scripts


def test_utilization_is_handling_while_online_over_time_online() -> None:
    agents, scripts = utilization_scene()
    # bob: 600 s online, busy 100–250 (talk and wrap-up); an open e-mail is no work in progress
    # eve: 300 s online, chats 250–400 and 280–350 overlap, 250–300 while online; ann: offline
    assert compute(contacts(scripts), agents, TEN_MINUTES)["utilization"] == approx(
        100 * (150 + 50) / (600 + 300)
    )
    bob = Scope(operators=frozenset({"bob"}))
    assert compute(contacts(scripts), agents, TEN_MINUTES, scope=bob)["utilization"] == 25
    support = Scope(groups=frozenset({"support"}))
    assert compute(contacts(scripts), agents, TEN_MINUTES, scope=support)["utilization"] == approx(
        100 * 50 / 300
    )
    nobody = Scope(operators=frozenset({"ann"}))
    assert compute(contacts(scripts), agents, TEN_MINUTES, scope=nobody)["utilization"] is None


def test_a_call_in_progress_is_busy_until_the_end_of_the_window() -> None:
    agents = [operator("bob", ONLINE)]
    scripts = [inbound("long").at(300, "conversation.accepted", operator_id="bob")]
    assert compute(contacts(scripts), agents, TEN_MINUTES)["utilization"] == 50


def test_online_spans_start_from_the_status_in_force() -> None:
    eve = operator("eve", (-50, "online"), (60, "away"), (120, "online"), (700, "offline"))
    assert online_spans(eve, TEN_MINUTES) == [(at(0), at(60)), (at(120), at(600))]
    assert online_spans(operator("joe"), TEN_MINUTES) == []
    assert eve.status_at(at(90)) == "away" and operator("joe").status_at(at(0)) == "offline"


def test_spans_merge_and_intersect() -> None:
    merged = merge([(at(50), at(60)), (at(0), at(10)), (at(5), at(20))])
    assert merged == [(at(0), at(20)), (at(50), at(60))]
    assert intersect(merged, [(at(15), at(55))]) == [(at(15), at(20)), (at(50), at(55))]
    assert seconds(merged) == 30
