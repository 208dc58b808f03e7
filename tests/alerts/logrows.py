"""Alert log rows and their deliveries written straight into the tables, as the evaluator and
the delivery worker would leave them: the log's pages and API are tested on known rows."""

from datetime import timedelta
from typing import Any

from dozor.alerts.models import AlertDelivery, AlertLog
from tests.factories import T0


async def fired(
    session: Any,
    *,
    minutes: float = 0,
    kind: str = "yellow",
    deliveries: tuple[dict[str, Any], ...] = (),
    **fields: Any,
) -> int:
    """A log row ``minutes`` after T0 and the deliveries it owed; its id."""
    at = T0 + timedelta(minutes=minutes)
    zone_to = {"repeat": "red", "recovered": "ok"}.get(kind, kind)
    values: dict[str, Any] = {
        "rule_id": None,
        "rule_name": "Ожидание в поддержке",
        "indicator": "max_wait_now",
        "window": "5m",
        "scope": "group",
        "scope_id": "support",
        "kind": kind,
        "zone_from": "ok",
        "zone_to": zone_to,
        "value": 75.0,
        "threshold": 60.0,
        "since": at - timedelta(seconds=30),
        "at": at,
        **fields,
    }
    row = AlertLog(**values)
    session.add(row)
    await session.flush()
    for owed in deliveries:
        session.add(
            AlertDelivery(
                **{
                    "log_id": row.id,
                    "channel": "email",
                    "target": "alice@example.com",
                    "language": "ru",
                    "status": "pending",
                    "attempts": 0,
                    "next_at": at,
                    "created_at": at,
                    **owed,
                }
            )
        )
    await session.flush()
    return row.id
