"""GET /api/v1/kpis on both databases: windows, scopes, time travel, and the 422s."""

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from dozor.directory.models import Group
from dozor.events import contract as c
from tests.factories import status
from tests.metrics.scenarios import at, inbound


def post(api: TestClient, *events: c.Event) -> None:
    answer = api.post("/api/v1/events", json=[e.model_dump(mode="json") for e in events])
    assert answer.status_code == 200, answer.text


def kpis(api: TestClient, **params: Any) -> dict[str, Any]:
    for name in ("at", "from", "to"):
        if isinstance(params.get(name), datetime):
            params[name] = params[name].isoformat()
    answer = api.get("/api/v1/kpis", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_same_query_earlier_answers_as_the_console_stood_then(api: TestClient) -> None:
    waiting = inbound("q").at(30, "conversation.accepted", operator_id="bob")
    post(api, status("bob", -60, "online", 0), status("bob", 100, "offline", 1), *waiting.events)
    before = kpis(api, window="5m", at=at(20))
    assert (before["from"], before["to"]) == ("2026-03-02T08:55:20Z", "2026-03-02T09:00:20Z")
    assert [before["kpis"][k] for k in ("in_queue", "max_wait_now", "accepted", "new")] == [
        1,
        20,
        0,
        1,
    ]
    assert (before["kpis"]["operators_online"], before["kpis"]["free_operators"]) == (1, 1)
    after = kpis(api, window="5m", at=at(40))["kpis"]
    assert [after[k] for k in ("in_queue", "accepted", "answered", "avg_wait")] == [0, 1, 1, 30]
    assert (after["on_group_calls"], after["free_operators"]) == (1, 0)
    gone = kpis(api, window="5m", at=at(150))["kpis"]
    assert (gone["operators_online"], gone["operators_total"]) == (0, 1)


def test_a_conversation_changed_later_is_folded_as_it_was(api: TestClient) -> None:
    chat = (
        inbound("chat", medium="chat", group="support")
        .at(10, "conversation.accepted", operator_id="bob")
        .at(300, "conversation.closed", by="client")
        .at(301, "conversation.rated", score=5)
    )
    post(api, *chat.events)
    then = kpis(api, window="5m", at=at(100))["kpis"]
    assert (then["unanswered"], then["csat"], then["aht"]) == (1, None, None)
    later = kpis(api, window="10m", at=at(400))["kpis"]
    assert (later["unanswered"], later["csat"], later["aht"]) == (0, 100, 290)


def test_default_is_now_and_today_starts_at_midnight_in_moscow(
    api: TestClient,
    clock,  # type: ignore[no-untyped-def]
) -> None:
    post(api, *inbound("q").at(5, "conversation.accepted", operator_id="bob").events)
    clock.advance(60)
    answer = kpis(api, window="today")
    assert (answer["from"], answer["to"]) == ("2026-03-01T21:00:00Z", "2026-03-02T09:01:00Z")
    assert answer["kpis"]["accepted"] == 1
    assert kpis(api, window="5m")["kpis"]["accepted"] == 1


def test_a_range_and_repeatable_scopes(api: TestClient) -> None:
    post(
        api,
        *inbound("sales-call").at(12, "conversation.accepted", operator_id="bob").events,
        *inbound("vip-call", group="vip").at(40, "conversation.closed", by="client").events,
        *inbound("chat", medium="chat", group="support")
        .at(9, "conversation.accepted", operator_id="eve")
        .events,
    )
    whole = {"from": at(0), "to": at(600)}
    answer = kpis(api, **whole)
    assert (answer["from"], answer["to"]) == ("2026-03-02T09:00:00Z", "2026-03-02T09:10:00Z")
    assert (answer["kpis"]["accepted"], answer["kpis"]["lost"]) == (2, 1)
    both = kpis(api, **whole, group=["sales", "vip"])
    assert both["scope"] == {"group": ["sales", "vip"], "operator": [], "channel": [], "medium": []}
    assert (both["kpis"]["accepted"], both["kpis"]["lost_pct"]) == (1, 50)
    assert kpis(api, **whole, medium="chat")["kpis"]["accepted"] == 1
    assert kpis(api, **whole, channel="phone", operator="bob")["kpis"]["accepted"] == 1
    assert kpis(api, **whole, operator="nobody")["kpis"]["accepted"] == 0


def test_the_groups_service_level_settings_apply(api: TestClient) -> None:
    post(
        api,
        *inbound("slow").at(25, "conversation.accepted", operator_id="bob").events,
        *inbound("gone").at(10, "conversation.closed", by="client").events,
    )
    window = {"window": "10m", "at": at(300)}
    assert kpis(api, **window)["kpis"]["service_level"] == 0

    async def relax() -> None:
        async with api.app.state.write_sessions() as session, session.begin():  # type: ignore[attr-defined]
            await session.execute(
                update(Group)
                .where(Group.id == "sales")
                .values(sl_threshold=30, sl_variant="abandons_within_t_met")
            )

    api.portal.call(relax)  # type: ignore[union-attr]
    assert kpis(api, **window)["kpis"]["service_level"] == 100


@pytest.mark.parametrize(
    "query",
    [
        "",
        "window=2h",
        "window=5m&from=2026-03-02T09:00:00Z&to=2026-03-02T10:00:00Z",
        "from=2026-03-02T09:00:00Z",
        "from=2026-03-02T10:00:00Z&to=2026-03-02T09:00:00Z",
        "at=2026-03-02T09:00:00Z",
        "window=5m&at=2026-03-02T09:00:00",
        "window=5m&at=yesterday",
        "window=5m&medium=fax",
        "window=5m&grup=sales",
    ],
)
def test_bad_parameters_are_a_clear_422(api: TestClient, query: str) -> None:
    answer = api.get(f"/api/v1/kpis?{query}")
    assert answer.status_code == 422, answer.text
    [error, *_] = answer.json()["detail"]
    assert error["msg"]


def test_callers_only_and_in_the_openapi_document(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/kpis?window=5m").status_code == 401
    document = app_client.get("/openapi.json").json()
    operation = document["paths"]["/api/v1/kpis"]["get"]
    assert {p["name"] for p in operation["parameters"]} == {
        "window",
        "at",
        "from",
        "to",
        "group",
        "operator",
        "channel",
        "medium",
    }
    answer = document["components"]["schemas"]["KpiAnswer"]
    assert set(answer["properties"]) == {"from", "to", "scope", "kpis"}
    assert len(document["components"]["schemas"]["Kpis"]["properties"]) == 31


def test_time_travel_sees_late_events_stamped_in_the_past(api: TestClient) -> None:
    """A call's close that arrives late still places it where it belongs in time."""
    call = inbound("late").at(5, "conversation.accepted", operator_id="bob")
    post(api, *call.events)
    assert kpis(api, window="5m", at=at(100))["kpis"]["on_group_calls"] == 1
    post(api, call.at(50, "conversation.closed", by="client").events[-1])
    assert kpis(api, window="5m", at=at(100))["kpis"]["on_group_calls"] == 0
    assert kpis(api, window="5m", at=at(40))["kpis"]["on_group_calls"] == 1
    # talk 45 s, and after-call work from the close at 50 s until the end of the window
    assert kpis(api, window="5m", at=at(100))["kpis"]["aht"] == 45 + 50


def test_the_python_names_of_from_and_to_are_not_parameters(api: TestClient) -> None:
    answer = api.get("/api/v1/kpis?start=2026-03-02T09:00:00Z&end=2026-03-02T10:00:00Z")
    assert answer.status_code == 422


def test_overdue_follows_the_targets_an_admin_set(api: TestClient) -> None:
    post(api, *inbound("c", medium="chat", group="support").events)
    assert kpis(api, window="5m", at=at(30))["kpis"]["overdue"] == 0  # default: take within 60 s
    body = {"new": 10, "unanswered": 60, "answered": None}
    assert api.put("/api/v1/sla-targets/chat/support", json=body).status_code == 200
    assert kpis(api, window="5m", at=at(30))["kpis"]["overdue"] == 1
    assert kpis(api, window="5m", at=at(5))["kpis"]["overdue"] == 0
