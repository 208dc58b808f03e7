"""What the dialog list page is made of: the user's columns, the filter read from the query,
links that change one parameter, the names and choices the page shows, flash messages."""

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import QueryParams

from dozor.conversations import actions, filters, listing
from dozor.conversations.columns import COLUMNS, NAME_MODELS, Column, visible
from dozor.directory import service as directory_service
from dozor.directory.models import Channel, Group, Topic
from dozor.lib.labels import N_
from dozor.lib.urls import safe_next
from dozor.operators.models import Operator
from dozor.preferences import service as preferences

PAGE = "conversations"  # the saved filters' page name
COLUMNS_KEY = "conversations.columns"
FLASH_KEY = "flash"


@dataclass
class Chosen:
    """What the query asks the list for."""

    dialog_filter: Any
    sort: listing.Sort
    cursor: str | None
    error: str | None = None
    limit: int = 50

    @classmethod
    def read(cls, params: QueryParams) -> "Chosen":
        sort = listing.Sort.parse(params.get("sort"), params.get("dir"))
        try:
            found = filters.from_query(params.multi_items())
        except ValidationError:
            return cls(filters.DialogFilter(), sort, None, N_("The filter has a bad value."))
        limit = params.get("limit", "")
        size = min(int(limit), listing.MAX_LIMIT) if limit.isdigit() and int(limit) else 50
        return cls(found, sort, params.get("cursor") or None, limit=size)

    @property
    def filter_query(self) -> list[tuple[str, str]]:
        return filters.to_query(self.dialog_filter)


def link(request: Request, **changes: Any) -> str:
    """This page's address with some parameters changed (None removes one); a new filter or
    sort always starts from the first page."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    items = [(k, v) for k, v in items if k != "cursor" or "cursor" in changes]
    for key, value in changes.items():
        if value is not None:
            items.append((key, str(value)))
    query = urlencode(items)
    return request.url.path + (f"?{query}" if query else "")


def sort_link(request: Request, sort: listing.Sort, key: str) -> str:
    descending = not sort.descending if sort.key == key else key in ("number",) or _is_date(key)
    return link(request, sort=key, dir="desc" if descending else "asc", cursor=None)


def _is_date(key: str) -> bool:
    return COLUMNS[key].kind in ("date", "duration")


async def chosen_columns(session: AsyncSession, *, user_id: int) -> list[Column]:
    return visible(await preferences.get(session, user_id=user_id, key=COLUMNS_KEY))


def arrange(order: list[str], shown: set[str], move: str | None) -> list[str]:
    """The visible columns after the chooser's form: ``move`` is ``key:up`` or ``key:down``."""
    keys = [k for k in dict.fromkeys(order) if k in COLUMNS]
    keys += [k for k in COLUMNS if k not in keys]
    if move and ":" in move:
        key, direction = move.rsplit(":", 1)
        if key in keys:
            at = keys.index(key)
            to = at - 1 if direction == "up" else at + 1
            if 0 <= to < len(keys):
                keys[at], keys[to] = keys[to], keys[at]
    return [k for k in keys if k in shown] or ["number"]


def chooser(columns: list[Column]) -> list[tuple[Column, bool]]:
    """Every column for the chooser: the shown ones in their order, then the others."""
    shown = [c.key for c in columns]
    rest = [k for k in COLUMNS if k not in shown]
    return [(COLUMNS[k], k in shown) for k in shown + rest]


async def names_for(
    session: AsyncSession, items: list[dict[str, Any]], columns: list[Column]
) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    for column in columns:
        if column.kind == "name":
            ids = {item[column.key] for item in items if item.get(column.key)}
            found[column.key] = await directory_service.names(session, NAME_MODELS[column.key], ids)
    return found


async def choices(session: AsyncSession) -> dict[str, list[tuple[str, str]]]:
    """The directory, for the filter's and the actions' selects: (id, name) by name."""
    found = {}
    for key, model in (
        ("operator", Operator),
        ("group", Group),
        ("channel", Channel),
        ("topic", Topic),
    ):
        rows = await session.execute(select(model.id, model.name).order_by(model.name, model.id))
        found[key] = [(row[0], row[1]) for row in rows]
    return found


def flash(request: Request, outcomes: list[actions.Outcome], action: str) -> None:
    """Remember what became of an action, to show on the next page."""
    messages = request.session.setdefault(FLASH_KEY, [])
    for outcome in outcomes[:20]:
        messages.append(
            {"ok": outcome.ok, "template": outcome.template(action), "params": outcome.params}
        )
    if len(outcomes) > 20:
        done = sum(o.ok for o in outcomes)
        messages.append(
            {
                "ok": True,
                "template": N_("%(done)s of %(total)s conversations were changed."),
                "params": {"done": done, "total": len(outcomes)},
            }
        )
    request.session[FLASH_KEY] = messages


def pop_flash(request: Request) -> list[dict[str, Any]]:
    return request.session.pop(FLASH_KEY, [])


def back(next_url: str | None, default: str = "/conversations") -> str:
    target = safe_next(next_url, default)
    return target if target.startswith("/conversations") else default


def target(value: str) -> dict[str, str | None]:
    """A transfer's target from the select: ``operator:ID`` or ``group:ID``."""
    kind, _, key = value.partition(":")
    return {
        "to_operator_id": key if kind == "operator" and key else None,
        "to_group_id": key if kind == "group" and key else None,
    }
