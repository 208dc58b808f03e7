from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dozor.auth.deps import Caller, require_caller
from dozor.auth.models import User

# one sample record per resource, and a replacement for it
RESOURCES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "groups": (
        {
            "id": "support",
            "name": "Поддержка",
            "short_abandon": 5,
            "sl_threshold": 20,
            "sl_variant": "abandons_missed",
        },
        {
            "name": "Техподдержка",
            "short_abandon": 10,
            "sl_threshold": 30,
            "sl_variant": "abandons_within_t_met",
        },
    ),
    "channels": (
        {"id": "tg", "name": "Telegram-бот", "medium": "chat", "kind": "telegram"},
        {"name": "Телефон", "medium": "call", "kind": "phone"},
    ),
    "topics": ({"id": "billing", "name": "Оплата"}, {"name": "Счета и оплата"}),
}


@pytest.fixture
def supervisor(app_client: TestClient) -> Iterator[TestClient]:
    """The client as a logged-in supervisor: may read, may not change the directory."""
    user = User(username="alice", name="Alice", role="supervisor")
    app_client.app.dependency_overrides[require_caller] = lambda: Caller(user=user)  # type: ignore[attr-defined]
    yield app_client
    app_client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


@pytest.mark.parametrize("resource", RESOURCES)
def test_create_read_replace_delete(api: TestClient, resource: str) -> None:
    record, replacement = RESOURCES[resource]
    url = f"/api/v1/{resource}/{record['id']}"
    created = api.post(f"/api/v1/{resource}", json=record)
    assert created.status_code == 201, created.text
    assert created.json() == record
    assert api.get(url).json() == record
    assert api.get(f"/api/v1/{resource}").json() == [record]
    replaced = api.put(url, json=replacement)
    assert replaced.status_code == 200
    assert replaced.json() == {"id": record["id"], **replacement}
    assert api.get(url).json() == {"id": record["id"], **replacement}
    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 404
    assert api.get(f"/api/v1/{resource}").json() == []


@pytest.mark.parametrize("resource", RESOURCES)
def test_put_creates_an_absent_record(api: TestClient, resource: str) -> None:
    _, replacement = RESOURCES[resource]
    answer = api.put(f"/api/v1/{resource}/new", json=replacement)
    assert answer.status_code == 201
    assert api.get(f"/api/v1/{resource}/new").json() == {"id": "new", **replacement}


@pytest.mark.parametrize("resource", RESOURCES)
def test_post_of_a_taken_id_is_a_conflict(api: TestClient, resource: str) -> None:
    record, replacement = RESOURCES[resource]
    api.post(f"/api/v1/{resource}", json=record)
    answer = api.post(f"/api/v1/{resource}", json={"id": record["id"], **replacement})
    assert answer.status_code == 409
    assert record["id"] in answer.json()["detail"]
    assert api.get(f"/api/v1/{resource}/{record['id']}").json() == record


def test_ids_may_hold_a_slash(api: TestClient) -> None:
    group = {"id": "queue/sales", "name": "Продажи", "short_abandon": 5}
    assert api.post("/api/v1/groups", json=group).status_code == 201
    assert api.get("/api/v1/groups/queue/sales").json()["name"] == "Продажи"
    assert api.put("/api/v1/groups/queue/sales", json={"name": "Sales"}).status_code == 200
    assert api.delete("/api/v1/groups/queue/sales").status_code == 204


def test_the_list_is_ordered_by_name(api: TestClient) -> None:
    for topic_id, name in (("t1", "Возврат"), ("t2", "Доставка"), ("t3", "Адрес")):
        api.post("/api/v1/topics", json={"id": topic_id, "name": name})
    assert [t["name"] for t in api.get("/api/v1/topics").json()] == ["Адрес", "Возврат", "Доставка"]


def test_put_leaves_out_fields_at_their_defaults(api: TestClient) -> None:
    api.post("/api/v1/groups", json={"id": "sales", "name": "Sales", "short_abandon": 30})
    assert api.put("/api/v1/groups/sales", json={"name": "Sales"}).json()["short_abandon"] == 5


def test_names_are_stripped(api: TestClient) -> None:
    answer = api.post("/api/v1/topics", json={"id": "t", "name": "  Доставка \n"})
    assert answer.json()["name"] == "Доставка"


@pytest.mark.parametrize(
    ("method", "url", "body", "field"),
    [
        ("post", "/api/v1/groups", {"name": "No id"}, "id"),
        ("post", "/api/v1/groups", {"id": "", "name": "Empty id"}, "id"),
        ("post", "/api/v1/groups", {"id": "x" * 201, "name": "Long id"}, "id"),
        ("post", "/api/v1/groups", {"id": "g"}, "name"),
        ("post", "/api/v1/groups", {"id": "g", "name": "   "}, "name"),
        ("post", "/api/v1/groups", {"id": "g", "name": "n" * 201}, "name"),
        ("post", "/api/v1/groups", {"id": "g", "name": "G", "short_abandon": -1}, "short_abandon"),
        ("post", "/api/v1/groups", {"id": "g", "name": "G", "short_abandon": "5"}, "short_abandon"),
        ("post", "/api/v1/groups", {"id": "g", "name": "G", "sl_variant": "sl3"}, "sl_variant"),
        ("post", "/api/v1/groups", {"id": 7, "name": "Number id"}, "id"),
        ("post", "/api/v1/groups", {"id": "g", "name": "G", "shortabandon": 9}, "shortabandon"),
        ("post", "/api/v1/channels", {"id": "c", "name": "C", "kind": "phone"}, "medium"),
        (
            "post",
            "/api/v1/channels",
            {"id": "c", "name": "C", "medium": "fax", "kind": "phone"},
            "medium",
        ),
        (
            "put",
            "/api/v1/channels/c",
            {"name": "C", "medium": "chat", "kind": "icq"},
            "kind",
        ),
        ("put", "/api/v1/topics/t", {"id": "t", "name": "Id in the body"}, "id"),
        ("put", "/api/v1/topics/" + "x" * 201, {"name": "Long id"}, "topic_id"),
        ("put", "/api/v1/topics/t", ["not", "an", "object"], "body"),
        ("post", "/api/v1/topics", {"id": "a\x00b", "name": "NUL"}, "id"),
        ("put", "/api/v1/topics/t", {"name": "a\x00b"}, "name"),
        ("get", "/api/v1/topics/a%00b", None, "topic_id"),
        ("delete", "/api/v1/groups/a%00b", None, "group_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field(
    api: TestClient, method: str, url: str, body: Any, field: str
) -> None:
    answer = api.request(method, url, json=body)
    assert answer.status_code == 422, answer.text
    assert field in [error["loc"][-1] for error in answer.json()["detail"]]
    assert api.get("/api/v1/groups").json() == []


def test_malformed_json_is_refused(api: TestClient) -> None:
    answer = api.post(
        "/api/v1/groups", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422


def test_without_a_token_or_a_login_nothing_is_read_or_written(app_client: TestClient) -> None:
    for resource, (record, _) in RESOURCES.items():
        assert app_client.get(f"/api/v1/{resource}").status_code == 401
        assert app_client.get(f"/api/v1/{resource}/{record['id']}").status_code == 401
        assert app_client.post(f"/api/v1/{resource}", json=record).status_code == 401


def test_only_an_admin_changes_the_directory(api: TestClient, supervisor: TestClient) -> None:
    del supervisor.headers["Authorization"]
    record, replacement = RESOURCES["groups"]
    assert supervisor.get("/api/v1/groups").status_code == 200
    assert supervisor.post("/api/v1/groups", json=record).status_code == 403
    assert supervisor.put("/api/v1/groups/support", json=replacement).status_code == 403
    assert supervisor.delete("/api/v1/groups/support").status_code == 403
    assert supervisor.get("/api/v1/groups").json() == []


def test_ids_first_seen_in_events_become_records(api: TestClient) -> None:
    events = [
        {
            "id": "e1",
            "type": "conversation.opened",
            "ts": "2026-03-02T12:00:00+03:00",
            "conversation_id": "c1",
            "channel_id": "line-8800",
            "medium": "call",
            "direction": "inbound",
            "group_id": "sales",
            "topic": "delivery",
        },
        {
            "id": "e2",
            "type": "conversation.accepted",
            "ts": "2026-03-02T12:00:09+03:00",
            "conversation_id": "c1",
            "operator_id": "SIP/101",
        },
    ]
    assert api.post("/api/v1/events", json=events).json() == {"accepted": 2, "duplicates": 0}
    assert api.get("/api/v1/groups/sales").json() == {
        "id": "sales",
        "name": "sales",
        "short_abandon": 5,
        "sl_threshold": 20,
        "sl_variant": "abandons_missed",
    }
    assert api.get("/api/v1/topics/delivery").json() == {"id": "delivery", "name": "delivery"}
    assert api.get("/api/v1/channels/line-8800").json() == {
        "id": "line-8800",
        "name": "line-8800",
        "medium": "call",
        "kind": "phone",
    }
    operator = api.get("/api/v1/operators/SIP/101").json()
    assert (operator["id"], operator["name"], operator["groups"]) == ("SIP/101", "SIP/101", [])


def test_a_renamed_record_keeps_its_name_when_events_name_its_id(api: TestClient) -> None:
    api.put("/api/v1/groups/sales", json={"name": "Отдел продаж"})
    event = {
        "id": "e1",
        "type": "conversation.queued",
        "ts": "2026-03-02T12:00:00+03:00",
        "conversation_id": "c1",
        "group_id": "sales",
    }
    assert api.post("/api/v1/events", json=event).status_code == 200
    assert api.get("/api/v1/groups/sales").json()["name"] == "Отдел продаж"


def test_deleting_a_group_ends_its_memberships(api: TestClient) -> None:
    api.put("/api/v1/groups/sales", json={"name": "Sales"})
    api.put("/api/v1/groups/support", json={"name": "Support"})
    api.put("/api/v1/operators/bob", json={"name": "Bob", "groups": ["sales", "support"]})
    assert api.delete("/api/v1/groups/sales").status_code == 204
    assert api.get("/api/v1/operators/bob").json()["groups"] == ["support"]
