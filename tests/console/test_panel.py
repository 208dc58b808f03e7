"""The KPI panel narrows the records it hands to ``kpis.compute`` without changing a value."""

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.clock import ManualClock
from dozor.console import panel
from dozor.console.panel import narrow
from dozor.metrics import kpis
from dozor.metrics.records import Scope
from tests.console.conftest import Center
from tests.metrics.scenarios import TEN_MINUTES, at, contacts, inbound, operator, outbound

GROUPS, OPERATORS = ["sales", "support", "vip"], ["bob", "eve", "kim"]


@st.composite
def scene(draw):  # type: ignore[no-untyped-def]
    scripts = []
    for n in range(draw(st.integers(1, 12))):
        start = draw(st.integers(0, 500))
        medium = draw(st.sampled_from(["call", "chat", "email"]))
        if draw(st.booleans()) and medium == "call":
            script = outbound(f"c{n}", start)
        else:
            script = inbound(f"c{n}", start, medium=medium, group=draw(st.sampled_from(GROUPS)))
        moment = start
        for _ in range(draw(st.integers(0, 4))):
            moment += draw(st.integers(1, 120))
            kind = draw(st.sampled_from(["accept", "transfer", "close", "message"]))
            who = draw(st.sampled_from(OPERATORS))
            if kind == "accept":
                script.at(moment, "conversation.accepted", operator_id=who)
            elif kind == "transfer":
                script.at(
                    moment, "conversation.transferred", to_group_id=draw(st.sampled_from(GROUPS))
                )
            elif kind == "close":
                script.at(moment, "conversation.closed", by="client")
            else:
                script.message(moment, "operator", operator_id=who)
        scripts.append(script)
    agents = [
        operator(
            o,
            (-60, "online"),
            (draw(st.integers(0, 600)), "away"),
            groups=draw(st.sets(st.sampled_from(GROUPS))),
        )
        for o in OPERATORS
    ]
    return contacts(scripts), agents


SCOPES = [
    Scope(),
    Scope(groups=frozenset({"support"})),
    Scope(groups=frozenset({"sales", "vip"})),
    Scope(operators=frozenset({"bob"})),
    Scope(groups=frozenset({"support"}), operators=frozenset({"eve"})),
    Scope(groups=frozenset({"sales"}), media=frozenset({"call"})),
]


@settings(max_examples=60, deadline=None)
@given(scene())
def test_narrowed_records_give_the_same_kpis(found) -> None:  # type: ignore[no-untyped-def]
    records, agents = found
    for scope in SCOPES:
        narrowed = narrow(records, agents, scope)
        assert kpis.compute(narrowed, agents, TEN_MINUTES, scope=scope) == kpis.compute(
            records, agents, TEN_MINUTES, scope=scope
        ), scope


def test_a_narrow_scope_reads_fewer_records() -> None:
    records = contacts([inbound("a", group="sales"), inbound("b", group="support")])
    agents = [operator("bob", (-60, "online"), groups=["support"])]
    assert [c.id for c in narrow(records, agents, Scope(groups=frozenset({"support"})))] == ["b"]
    assert at(0) == TEN_MINUTES.start


def test_values_follow_the_apps_clock_as_well_as_real_time(
    center: Center, clock: ManualClock
) -> None:
    """The waits grow with time alone: once the app's clock has moved ``STALE`` seconds, the
    shared values are computed again even if real time has not (the demo runs faster)."""
    center.post(*inbound("s1", medium="chat", group="support").events)
    cache = center.state.console_drawer.kpi_cache

    async def longest_wait() -> float:
        await cache.values(Scope(), "15m")  # starts a computation when the values are stale
        while any(entry.running for entry in cache._entries.values()):
            await asyncio.sleep(0.005)
        return (await cache.values(Scope(), "15m"))["max_wait_now"]

    first = center.client.portal.call(longest_wait)  # type: ignore[union-attr]
    clock.advance(panel.STALE + 25)
    later = center.client.portal.call(longest_wait)  # type: ignore[union-attr]
    assert later - first == panel.STALE + 25
