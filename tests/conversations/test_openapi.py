"""The dialog list's API is in the OpenAPI document, typed."""

from fastapi.testclient import TestClient


def test_the_dialog_list_api_is_documented(app_client: TestClient) -> None:
    document = app_client.get("/openapi.json").json()
    paths = document["paths"]
    listing = paths["/api/v1/conversations"]["get"]
    params = {p["name"] for p in listing["parameters"]}
    for name in ("operator", "group", "active", "overdue", "q", "created_at_from",
                 "wait_first_answer_max", "sort", "dir", "cursor", "limit"):  # fmt: skip
        assert name in params, name
    ok = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/ConversationPage"}
    for path in (
        "/api/v1/conversations/summary",
        "/api/v1/conversations/export",
        "/api/v1/conversations/{conversation_id}",
    ):
        assert "get" in paths[path], path
    act = paths["/api/v1/conversations/{conversation_id}/actions/{action}"]["post"]
    [action] = [p for p in act["parameters"] if p["name"] == "action"]
    assert action["schema"]["enum"] == [
        "close",
        "spam",
        "transfer",
        "take",
        "pin",
        "unpin",
        "review",
    ]
    assert {"403", "404", "409", "422"} <= set(act["responses"])
    bulk = paths["/api/v1/conversations/actions/{action}"]["post"]
    [action] = [p for p in bulk["parameters"] if p["name"] == "action"]
    assert action["schema"]["enum"] == ["close", "spam", "transfer"]
    schemas = document["components"]["schemas"]
    assert {"ActionIn", "ActionOut", "BulkIn", "BulkOut", "Summary"} <= set(schemas)
