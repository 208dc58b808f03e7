"""``/api/v1/alert-rules`` and ``/api/v1/alert-states`` per caller: an admin and an integration's
token every rule, a supervisor those of their groups and operators, nobody else any; bad input
is a 422 naming the field and writes nothing."""

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from dozor.alerts.models import AlertRule
from tests.alerts.center import AlertCenter, center_fixture  # noqa: F401
from tests.auth.personas import log_in

RULE = {
    "name": "Support: longest wait",
    "indicator": "max_wait_now",
    "scope": "group",
    "scope_ids": ["support"],
    "yellow": 60,
    "red": 120,
}


def _create(client: TestClient, **fields: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/alert-rules", json=RULE | fields)
    assert answer.status_code == 201, answer.text
    return answer.json()


def _rules(center: AlertCenter) -> list[tuple[str, list[str], float | None]]:
    async def read(session: Any) -> list[Any]:
        rows = await session.scalars(select(AlertRule).order_by(AlertRule.id))
        return [(r.name, r.scope_ids, r.red) for r in rows]

    return center.run(read)


def test_a_supervisor_sets_a_rule_on_their_group(center: AlertCenter) -> None:
    alice = center.as_("alice")
    rule = _create(alice, email_user_ids=[center.ids["alice"]])
    assert rule | {"id": 0, "created_at": "", "updated_at": ""} == {
        **RULE,
        "id": 0,
        "window": "15m",
        "worse": "higher",  # the indicator's
        "hysteresis": 0.0,
        "min_duration": 0,
        "repeat_every": 900,
        "email_user_ids": [center.ids["alice"]],
        "email_addresses": [],
        "webhook_url": None,
        "webhook_secret": None,
        "enabled": True,
        "created_by": center.ids["alice"],
        "created_at": "",
        "updated_at": "",
    }
    assert alice.get("/api/v1/alert-rules").json() == [rule]
    assert alice.get(f"/api/v1/alert-rules/{rule['id']}").json() == rule
    answer = alice.put(f"/api/v1/alert-rules/{rule['id']}", json=RULE | {"red": 180})
    assert answer.status_code == 200 and answer.json()["red"] == 180
    assert alice.delete(f"/api/v1/alert-rules/{rule['id']}").status_code == 204
    assert alice.get(f"/api/v1/alert-rules/{rule['id']}").status_code == 404
    assert _rules(center) == []


def test_a_supervisor_touches_only_their_groups_and_operators(center: AlertCenter) -> None:
    alice, sam = center.as_("alice"), center.as_("sam")
    rule = _create(alice)
    bob = _create(
        alice,
        indicator="operators_online",
        scope="operator",
        scope_ids=["op-bob"],
        red=0,
        yellow=None,
    )
    assert sam.get("/api/v1/alert-rules").json() == []
    for method in ("get", "put", "delete"):
        answer = sam.request(method, f"/api/v1/alert-rules/{rule['id']}", json=RULE)
        assert answer.status_code == 404, method
    refused = [
        {"scope_ids": ["sales"]},
        {"scope_ids": ["support", "sales"]},
        {"scope": "all", "scope_ids": []},
        {"scope": "operator", "scope_ids": ["op-charlie"]},
    ]
    for fields in refused:
        assert alice.post("/api/v1/alert-rules", json=RULE | fields).status_code == 403, fields
    answer = alice.put(f"/api/v1/alert-rules/{rule['id']}", json=RULE | {"scope_ids": ["sales"]})
    assert answer.status_code == 403
    assert _rules(center) == [(RULE["name"], ["support"], 120), (RULE["name"], ["op-bob"], 0)]
    assert [r["id"] for r in center.as_("ada").get("/api/v1/alert-rules").json()] == [
        rule["id"],
        bob["id"],
    ]


def test_operators_and_strangers_are_refused(center: AlertCenter) -> None:
    rule = _create(center.api)
    bob = center.as_("bob")
    assert bob.get("/api/v1/alert-rules").status_code == 403
    assert bob.get(f"/api/v1/alert-rules/{rule['id']}").status_code == 403
    assert bob.post("/api/v1/alert-rules", json=RULE).status_code == 403
    assert bob.get("/api/v1/alert-states").status_code == 403
    stranger = center.anonymous()
    assert stranger.get("/api/v1/alert-rules").status_code == 401
    assert stranger.post("/api/v1/alert-rules", json=RULE).status_code == 401
    assert stranger.delete(f"/api/v1/alert-rules/{rule['id']}").status_code == 401
    assert len(_rules(center)) == 1


def test_an_integration_token_and_an_admin_set_any_rule(center: AlertCenter) -> None:
    company = _create(center.api, scope="all", scope_ids=[], indicator="lost", window="30m")
    assert company["created_by"] is None
    sales = _create(center.as_("ada"), scope_ids=["sales"])
    assert sales["created_by"] == center.ids["ada"]
    assert [r["id"] for r in center.api.get("/api/v1/alert-rules").json()] == [
        company["id"],
        sales["id"],
    ]


def test_a_browser_session_changes_rules_only_with_its_csrf_token(center: AlertCenter) -> None:
    rule = _create(center.api)
    bare = center.anonymous()
    assert log_in(bare, "ada").status_code == 303
    assert bare.get("/api/v1/alert-rules").status_code == 200  # reading needs none
    assert bare.post("/api/v1/alert-rules", json=RULE).status_code == 403
    assert bare.put(f"/api/v1/alert-rules/{rule['id']}", json=RULE | {"red": 1}).status_code == 403
    assert bare.delete(f"/api/v1/alert-rules/{rule['id']}").status_code == 403
    assert _rules(center) == [(RULE["name"], ["support"], 120)]
    bare.close()


BAD = [
    ({"name": " "}, "name"),
    ({"indicator": "mood"}, "indicator"),
    ({"window": "2h"}, "window"),
    ({"scope": "team"}, "scope"),
    ({"scope_ids": []}, "scope_ids"),
    ({"scope_ids": ["nowhere"]}, "scope_ids"),
    ({"scope": "operator", "scope_ids": ["support"]}, "scope_ids"),
    ({"scope": "all"}, "scope_ids"),
    ({"yellow": None, "red": None}, "yellow"),
    ({"yellow": 120, "red": 60}, "red"),
    ({"worse": "lower"}, "red"),
    ({"worse": "sideways"}, "worse"),
    ({"hysteresis": -1}, "hysteresis"),
    ({"min_duration": -5}, "min_duration"),
    ({"repeat_every": 30}, "repeat_every"),
    ({"email_addresses": ["someone"]}, "email_addresses"),
    ({"email_addresses": ["a@b@example.com"]}, "email_addresses"),
    ({"email_user_ids": [9999]}, "email_user_ids"),
    ({"webhook_url": "ftp://example.com/x"}, "webhook_url"),
    ({"webhook_url": "javascript:alert(1)"}, "webhook_url"),
    ({"webhook_url": "https://"}, "webhook_url"),
    ({"webhook_url": "https://example.com", "webhook_secret": "short"}, "webhook_secret"),
    ({"webhook_url": "https://example.com", "webhook_secret": "x" * 20 + "\x00"}, "webhook_secret"),
    ({"min_duration": 31 * 24 * 3600}, "min_duration"),
    ({"email_user_ids": [2**40]}, "email_user_ids"),
    ({"scope_ids": ["sup\x00port"]}, "scope_ids"),
    ({"email_addresses": ["bob@exa\x01mple.com"]}, "email_addresses"),
    ({"colour": "red"}, "colour"),
]


def test_bad_input_names_the_field_and_writes_nothing(center: AlertCenter) -> None:
    rule = _create(center.api)
    for fields, field in BAD:
        answer = center.api.post("/api/v1/alert-rules", json=RULE | fields)
        assert answer.status_code == 422, (fields, answer.text)
        assert [e["loc"][:2] for e in answer.json()["detail"]] == [["body", field]], fields
        answer = center.api.put(f"/api/v1/alert-rules/{rule['id']}", json=RULE | fields)
        assert answer.status_code == 422, fields
    infinite = json.dumps(RULE).replace('"yellow": 60', '"yellow": Infinity')
    answer = center.api.post(
        "/api/v1/alert-rules", content=infinite, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["body", "yellow"]
    assert _rules(center) == [(RULE["name"], ["support"], 120)]


def test_a_webhook_gets_a_secret_that_is_kept(center: AlertCenter) -> None:
    hook = {"webhook_url": "https://crm.example.com/hooks/dozor"}
    rule = _create(center.api, **hook)
    secret = rule["webhook_secret"]
    assert len(secret) == 64 and int(secret, 16) >= 0
    url = f"/api/v1/alert-rules/{rule['id']}"
    assert center.api.put(url, json=RULE | hook).json()["webhook_secret"] == secret
    mine = "a-secret-of-my-own-long-enough"
    assert (
        center.api.put(url, json=RULE | hook | {"webhook_secret": mine}).json()["webhook_secret"]
        == mine
    )
    assert center.api.put(url, json=RULE).json()["webhook_secret"] is None


def test_unknown_rules_are_404(center: AlertCenter) -> None:
    assert center.api.get("/api/v1/alert-rules/999").status_code == 404
    assert center.api.put("/api/v1/alert-rules/999", json=RULE).status_code == 404
    assert center.api.delete("/api/v1/alert-rules/999").status_code == 404


def test_the_states_in_sight_of_each_caller(center: AlertCenter) -> None:
    rule = _create(
        center.api, indicator="in_queue", scope_ids=["support", "sales"], yellow=1, red=2
    )
    center.queue("c1", "support")
    center.evaluate()
    states = center.api.get("/api/v1/alert-states").json()
    assert [(s["scope_id"], s["scope_name"], s["zone"], s["value"]) for s in states] == [
        ("support", "Support", "yellow", 1),
        ("sales", "Sales", "ok", 0),
    ]
    assert states[0]["rule_id"] == rule["id"] and states[0]["since"].startswith("2026-03-02")
    assert [s["scope_id"] for s in center.as_("alice").get("/api/v1/alert-states").json()] == [
        "support"
    ]
    assert [s["scope_id"] for s in center.as_("sam").get("/api/v1/alert-states").json()] == [
        "sales"
    ]


def test_the_rules_are_in_the_openapi_document(center: AlertCenter) -> None:
    document = center.api.get("/openapi.json").json()
    assert {"get", "post"} <= set(document["paths"]["/api/v1/alert-rules"])
    assert {"get", "put", "delete"} <= set(document["paths"]["/api/v1/alert-rules/{rule_id}"])
    assert "get" in document["paths"]["/api/v1/alert-states"]
    schema = document["components"]["schemas"]["RuleIn"]
    assert schema["examples"][0]["indicator"] == "max_wait_now"
    assert "max_wait_now" in schema["properties"]["indicator"]["enum"]
