from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from dozor.auth.deps import Caller, require_caller
from dozor.auth.models import User

BOB = {"id": "bob", "name": "Боб Петров", "groups": ["sales", "support"], "chat_capacity": 4}


def make_groups(api: TestClient, *ids: str) -> None:
    for group_id in ids:
        assert api.put(f"/api/v1/groups/{group_id}", json={"name": group_id}).status_code == 201


def status_event(operator_id: str, status: str) -> dict:
    return {
        "id": f"{operator_id}-{status}",
        "type": "operator.status",
        "ts": "2026-03-02T09:00:00+03:00",
        "operator_id": operator_id,
        "status": status,
    }


def test_an_operator_is_created_with_memberships(api: TestClient) -> None:
    make_groups(api, "sales", "support")
    answer = api.post("/api/v1/operators", json=BOB)
    assert answer.status_code == 201, answer.text
    assert answer.json() == {
        **BOB,
        "status": "offline",
        "status_since": None,
        "status_reason": None,
    }
    assert api.get("/api/v1/operators/bob").json() == answer.json()
    [listed] = api.get("/api/v1/operators").json()
    assert listed["groups"] == ["sales", "support"]
    assert listed["open_conversations"] == 0


def test_defaults_of_a_new_operator(api: TestClient) -> None:
    answer = api.post("/api/v1/operators", json={"id": "SIP/101", "name": "Bob"})
    assert (answer.json()["groups"], answer.json()["chat_capacity"]) == ([], 3)
    assert api.get("/api/v1/operators/SIP/101").json()["name"] == "Bob"


def test_unknown_groups_are_named_and_nothing_is_stored(api: TestClient) -> None:
    make_groups(api, "sales")
    body = {**BOB, "groups": ["sales", "vip", "night"]}
    answer = api.post("/api/v1/operators", json=body)
    assert answer.status_code == 422
    [error] = answer.json()["detail"]
    assert error["loc"] == ["body", "groups"]
    assert "'night', 'vip'" in error["msg"]
    assert api.get("/api/v1/operators/bob").status_code == 404
    assert api.put("/api/v1/operators/bob", json=body).status_code == 422
    assert api.get("/api/v1/operators/bob").status_code == 404


def test_a_taken_id_is_a_conflict_even_when_events_created_it(api: TestClient) -> None:
    api.post("/api/v1/events", json=status_event("bob", "online"))
    answer = api.post("/api/v1/operators", json={"id": "bob", "name": "Bob"})
    assert answer.status_code == 409
    assert api.get("/api/v1/operators/bob").json()["name"] == "bob"


def test_put_replaces_the_record_and_keeps_the_status(api: TestClient) -> None:
    make_groups(api, "sales", "support")
    api.post("/api/v1/operators", json=BOB)
    api.post("/api/v1/events", json=status_event("bob", "online"))
    answer = api.put("/api/v1/operators/bob", json={"name": "Bob", "groups": ["support"]})
    assert answer.status_code == 200
    operator = answer.json()
    assert (operator["name"], operator["groups"], operator["chat_capacity"]) == (
        "Bob",
        ["support"],
        3,
    )
    assert operator["status"] == "online"
    assert operator["status_since"] == "2026-03-02T06:00:00Z"


def test_put_creates_an_absent_operator(api: TestClient) -> None:
    answer = api.put("/api/v1/operators/eve", json={"name": "Eve", "chat_capacity": 0})
    assert answer.status_code == 201
    assert api.get("/api/v1/operators/eve").json()["chat_capacity"] == 0


def test_patch_changes_only_the_fields_given(api: TestClient) -> None:
    make_groups(api, "sales", "support")
    api.post("/api/v1/operators", json=BOB)
    answer = api.patch("/api/v1/operators/bob", json={"chat_capacity": 6})
    assert answer.json() == api.get("/api/v1/operators/bob").json()
    assert (answer.json()["chat_capacity"], answer.json()["groups"]) == (6, ["sales", "support"])
    answer = api.patch("/api/v1/operators/bob", json={"groups": []})
    assert (answer.json()["name"], answer.json()["groups"]) == (BOB["name"], [])


def test_patch_refuses_nulls_and_unknown_groups(api: TestClient) -> None:
    make_groups(api, "sales")
    api.post("/api/v1/operators", json={**BOB, "groups": ["sales"]})
    answer = api.patch("/api/v1/operators/bob", json={"name": None})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "name"]
    answer = api.patch("/api/v1/operators/bob", json={"groups": ["sales", "vip"], "name": "Bo"})
    assert answer.status_code == 422
    assert "'vip'" in answer.json()["detail"][0]["msg"]
    assert api.get("/api/v1/operators/bob").json()["name"] == BOB["name"]


def test_patch_or_delete_of_an_absent_operator_is_404(api: TestClient) -> None:
    assert api.patch("/api/v1/operators/nobody", json={"name": "X"}).status_code == 404
    assert api.delete("/api/v1/operators/nobody").status_code == 404


def test_delete_removes_the_operator_and_memberships(api: TestClient) -> None:
    make_groups(api, "sales", "support")
    api.post("/api/v1/operators", json=BOB)
    assert api.delete("/api/v1/operators/bob").status_code == 204
    assert api.get("/api/v1/operators/bob").status_code == 404
    assert api.get("/api/v1/operators").json() == []
    # the id is free again, memberships and all
    assert api.post("/api/v1/operators", json={"id": "bob", "name": "Bob"}).json()["groups"] == []


def test_bad_operator_input_is_refused(api: TestClient) -> None:
    for body, field in (
        ({**BOB, "chat_capacity": 51}, "chat_capacity"),
        ({**BOB, "chat_capacity": -1}, "chat_capacity"),
        ({**BOB, "groups": "sales"}, "groups"),
        ({**BOB, "groups": [""]}, 0),
        ({**BOB, "status": "online"}, "status"),
        ({"id": "bob"}, "name"),
    ):
        answer = api.post("/api/v1/operators", json=body)
        assert answer.status_code == 422, body
        assert field in [e["loc"][-1] for e in answer.json()["detail"]], answer.text


@pytest.fixture
def as_operator(app_client: TestClient) -> Iterator[TestClient]:
    """The client as operator bob, logged in: may read, may not change operators."""
    bob = User(username="bob", name="Bob", role="operator")
    app_client.app.dependency_overrides[require_caller] = lambda: Caller(user=bob)  # type: ignore[attr-defined]
    yield app_client
    app_client.app.dependency_overrides.clear()  # type: ignore[attr-defined]


def test_only_an_admin_changes_operators(as_operator: TestClient) -> None:
    assert as_operator.get("/api/v1/operators").status_code == 200
    assert as_operator.post("/api/v1/operators", json=BOB).status_code == 403
    assert as_operator.put("/api/v1/operators/bob", json={"name": "B"}).status_code == 403
    assert as_operator.patch("/api/v1/operators/bob", json={"name": "B"}).status_code == 403
    assert as_operator.delete("/api/v1/operators/bob").status_code == 403


def test_without_a_token_or_a_login_nothing_is_read(app_client: TestClient) -> None:
    assert app_client.get("/api/v1/operators").status_code == 401
    assert app_client.get("/api/v1/operators/bob").status_code == 401
    assert app_client.post("/api/v1/operators", json=BOB).status_code == 401
