"""What one console shows: its query string read into a ``View``, and links that change it.

The page and its event stream carry the same query string, so every choice (a filter, the
group opened, the list shown) is a link: a reload or a reconnect shows the same console.

    g      groups (narrows everything; a supervisor's are within their own)
    ch     channels          topic   topics
    op     chosen operators («Отобрать»): only their conversations
    x      the group whose operators are listed
    list   the conversations listed: new, unanswered, answered or open (all three)
    late   the list shows only the overdue ones
    lg, lo the list's group and operator
    w      the KPI window: 5m, 10m, 15m, 30m, 60m, today
"""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from dozor.live.state import Bucket, Item
from dozor.metrics.windows import WINDOWS

LISTS = ("new", "unanswered", "answered", "open")
MANY = 50  # ids taken from one parameter: more is a mistake or a game


@dataclass(frozen=True)
class View:
    groups: frozenset[str] = frozenset()
    channels: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    operators: frozenset[str] = frozenset()
    expand: str | None = None
    listing: str | None = None  # the list shown (``list=``)
    late: bool = False
    list_group: str | None = None
    list_operator: str | None = None
    window: str | None = None
    visible: frozenset[str] | None = None  # the user's groups; None: all (an admin)

    @classmethod
    def read(cls, params: QueryParams, *, visible: frozenset[str] | None) -> "View":
        def many(name: str) -> frozenset[str]:
            return frozenset(v for v in params.getlist(name)[:MANY] if v)

        listed = params.get("list")
        window = params.get("w")
        return cls(
            groups=many("g"),
            channels=many("ch"),
            topics=many("topic"),
            operators=many("op"),
            expand=params.get("x") or None,
            listing=listed if listed in LISTS else None,
            late=params.get("late") == "1",
            list_group=params.get("lg") or None,
            list_operator=params.get("lo") or None,
            window=window if window in WINDOWS else None,
            visible=visible,
        )

    @property
    def key(self) -> tuple[Any, ...]:
        """Everything the drawing depends on: two consoles with one key look the same."""
        return tuple(
            tuple(sorted(v)) if isinstance(v, frozenset) else v
            for v in (
                self.groups,
                self.channels,
                self.topics,
                self.operators,
                self.expand,
                self.listing,
                self.late,
                self.list_group,
                self.list_operator,
                self.window,
                self.visible,
            )
        )

    def query(self, **changes: Any) -> str:
        """The query string of this view with ``changes`` (None removes a parameter)."""
        view = replace(self, **changes)
        pairs: list[tuple[str, str]] = []
        for name, values in (
            ("g", view.groups),
            ("ch", view.channels),
            ("topic", view.topics),
            ("op", view.operators),
        ):
            pairs.extend((name, v) for v in sorted(values))
        for name, value in (
            ("x", view.expand),
            ("list", view.listing),
            ("late", "1" if view.late else None),
            ("lg", view.list_group),
            ("lo", view.list_operator),
            ("w", view.window),
        ):
            if value is not None:
                pairs.append((name, value))
        return urlencode(pairs)

    def link(self, **changes: Any) -> str:
        query = self.query(**changes)
        return "/console" + (f"?{query}" if query else "")

    def shown_groups(self, known: Iterable[str]) -> list[str]:
        """The groups this console shows rows for, of those ``known``."""
        return sorted(g for g in known if self.sees_group(g))

    def sees_group(self, group_id: str | None) -> bool:
        if self.visible is not None and group_id not in self.visible:
            return False
        return not self.groups or group_id in self.groups

    def sees_operator(self, operator_groups: frozenset[str]) -> bool:
        """An operator is in sight when one of their groups is."""
        if self.visible is None and not self.groups:
            return True
        return any(self.sees_group(g) for g in operator_groups)

    def takes(self, bucket: Bucket) -> bool:
        """Open conversations of this bucket count here (the operators chosen, if any)."""
        return (
            self.sees_group(bucket.group_id)
            and (not self.channels or bucket.channel_id in self.channels)
            and (not self.topics or bucket.topic in self.topics)
            and (not self.operators or bucket.operator_id in self.operators)
        )

    def lists(self, item: Item) -> bool:
        """The conversation belongs to the list this view shows."""
        if self.listing is None or not item.is_open or not self.takes(item.bucket):
            return False
        c = item.contact
        if self.list_group is not None and c.group_id != self.list_group:
            return False
        if self.list_operator is not None and c.operator_id != self.list_operator:
            return False
        if self.late and not item.overdue:
            return False
        return self.listing == "open" or c.work_state == self.listing
