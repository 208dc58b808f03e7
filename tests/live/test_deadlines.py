"""The deadline index: the next deadline, replaced and dropped ones, what has passed."""

from datetime import timedelta

from dozor.live.deadlines import DeadlineIndex
from tests.factories import T0


def at(seconds: float):  # type: ignore[no-untyped-def]
    return T0 + timedelta(seconds=seconds)


def test_the_earliest_deadline_comes_first_and_replacing_moves_it() -> None:
    index = DeadlineIndex()
    index.set("a", at(30))
    index.set("b", at(10))
    assert index.next_due() == at(10)
    index.set("b", at(50))
    assert index.next_due() == at(30)
    index.set("a", None)
    assert index.next_due() == at(50) and len(index) == 1


def test_only_deadlines_strictly_passed_pop() -> None:
    index = DeadlineIndex()
    for name, seconds in (("a", 10), ("b", 20), ("c", 30)):
        index.set(name, at(seconds))
    assert index.pop_passed(at(20)) == ["a"]
    assert index.pop_passed(at(20.5)) == ["b"]
    assert index.next_due() == at(30)
    assert index.pop_passed(at(100)) == ["c"] and index.next_due() is None


def test_many_replacements_keep_the_heap_small() -> None:
    index = DeadlineIndex()
    for n in range(5000):
        index.set("a", at(n))
    assert len(index._heap) < 2000 and index.next_due() == at(4999)
