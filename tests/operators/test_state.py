from dozor.operators import state
from tests.factories import T0, status


def test_since_moves_only_when_the_status_changes() -> None:
    events = [
        status("bob", 0, "online", 0),
        status("bob", 60, "online", 1),
        status("bob", 120, "away", 2, reason="обед"),
    ]
    folded = state.fold(events)
    assert (folded.status, folded.status_reason) == ("away", "обед")
    assert (folded.status_since - T0).total_seconds() == 120
    assert (state.fold(events[:2]).status_since - T0).total_seconds() == 0


def test_order_and_duplicates_do_not_matter() -> None:
    events = [
        status("bob", s, v, n)
        for n, (s, v) in enumerate([(0, "online"), (5, "away"), (9, "online")])
    ]
    assert state.fold(events[::-1] + events[:1]) == state.fold(events)


def test_a_late_event_is_recognised() -> None:
    current = state.fold([status("bob", 10, "online", 0)])
    assert state.is_late(current, status("bob", 5, "away", 1))
    assert not state.is_late(current, status("bob", 11, "away", 2))
