"""The deadline index: which open conversation turns overdue next, so that a conversation
becomes overdue by time alone, with no event (a heap with lazy deletion)."""

import heapq
from datetime import datetime


class DeadlineIndex:
    """Deadlines of conversations not yet overdue; setting one again replaces it.

    A replaced or dropped deadline stays in the heap until it reaches the top, where it is
    recognised as stale (it no longer matches ``_due``) and discarded: O(log n) per change.
    """

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, str]] = []
        self._due: dict[str, datetime] = {}

    def __len__(self) -> int:
        return len(self._due)

    def set(self, conversation_id: str, due: datetime | None) -> None:
        """Watch ``conversation_id`` until ``due``; None stops watching it."""
        if due is None:
            self._due.pop(conversation_id, None)
            return
        if self._due.get(conversation_id) == due:
            return
        self._due[conversation_id] = due
        heapq.heappush(self._heap, (due, conversation_id))
        if len(self._heap) > 2 * len(self._due) + 1024:
            self._compact()

    def next_due(self) -> datetime | None:
        self._drop_stale()
        return self._heap[0][0] if self._heap else None

    def pop_passed(self, now: datetime) -> list[str]:
        """The conversations whose deadline is before ``now`` (overdue means past it)."""
        passed: list[str] = []
        while True:
            self._drop_stale()
            if not self._heap or self._heap[0][0] >= now:
                return passed
            _, conversation_id = heapq.heappop(self._heap)
            del self._due[conversation_id]
            passed.append(conversation_id)

    def _drop_stale(self) -> None:
        while self._heap and self._due.get(self._heap[0][1]) != self._heap[0][0]:
            heapq.heappop(self._heap)

    def _compact(self) -> None:
        self._heap = [(due, cid) for cid, due in self._due.items()]
        heapq.heapify(self._heap)
