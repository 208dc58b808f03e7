from datetime import UTC, datetime, timedelta

import orjson
from fastapi.testclient import TestClient

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat()


def chat(cid: str = "c1") -> list[dict]:
    return [
        {
            "id": f"{cid}-1",
            "type": "conversation.opened",
            "ts": at(0),
            "conversation_id": cid,
            "channel_id": "web",
            "medium": "chat",
            "direction": "inbound",
            "group_id": "support",
            "client": {"name": "Анна", "email": "anna@example.com"},
        },
        {
            "id": f"{cid}-2",
            "type": "message.created",
            "ts": at(1),
            "conversation_id": cid,
            "message_id": "m1",
            "author": "client",
            "text": "Здравствуйте",
        },
        {
            "id": f"{cid}-3",
            "type": "conversation.accepted",
            "ts": at(20),
            "conversation_id": cid,
            "operator_id": "bob",
        },
        {
            "id": f"{cid}-4",
            "type": "message.created",
            "ts": at(31),
            "conversation_id": cid,
            "message_id": "m2",
            "author": "operator",
            "operator_id": "bob",
            "text": "Добрый день",
        },
    ]


def test_batch_is_stored_and_projected(api: TestClient) -> None:
    answer = api.post("/api/v1/events", json=chat())
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"accepted": 4, "duplicates": 0}
    conversation = api.get("/api/v1/conversations/c1").json()
    assert conversation["status"] == "answered"
    assert conversation["detailed_status"] == "answered"
    assert conversation["work_state"] == "answered"
    assert conversation["group_id"] == "support"
    assert conversation["operator_id"] == "bob"
    assert conversation["client"]["name"] == "Анна"
    assert conversation["wait_first_answer"] == 31.0
    assert conversation["time_to_accept"] == 20.0
    assert conversation["first_message_response"] == 30.0
    assert conversation["response_total"] == 30.0
    assert conversation["duration"] == 30.0
    assert [m["text"] for m in conversation["messages"]] == ["Здравствуйте", "Добрый день"]


def test_repeated_ids_are_counted_as_duplicates(api: TestClient) -> None:
    api.post("/api/v1/events", json=chat()[:2])
    answer = api.post("/api/v1/events", json=chat())
    assert answer.json() == {"accepted": 2, "duplicates": 2}


def test_a_bad_event_rejects_the_whole_batch(api: TestClient) -> None:
    events = chat()
    events[1]["ts"] = "2026-03-02T09:00:01"
    events[3]["type"] = "message.sent"
    answer = api.post("/api/v1/events", json=events)
    assert answer.status_code == 422
    errors = answer.json()["errors"]
    assert {(e["index"], e["field"]) for e in errors} == {(1, "ts"), (3, "type")}
    assert "offset" in errors[0]["reason"]
    assert api.get("/api/v1/conversations/c1").status_code == 404


def test_without_token_nothing_is_accepted(app_client: TestClient) -> None:
    answer = app_client.post("/api/v1/events", json=chat())
    assert answer.status_code == 401


def test_malformed_json_and_limits(api: TestClient) -> None:
    assert api.post("/api/v1/events", content=b"{nope").status_code == 400
    many = [dict(chat()[0], id=f"e{i}", conversation_id=f"c{i}") for i in range(1001)]
    assert api.post("/api/v1/events", json=many).status_code == 413
    huge = orjson.dumps([dict(chat()[1], text="x" * 90_000, id=f"h{i}") for i in range(60)])
    assert api.post("/api/v1/events", content=huge).status_code == 413
    long_id = dict(chat()[0], id="x" * 201)
    answer = api.post("/api/v1/events", json=long_id)
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "id"


def test_nul_characters_are_refused_before_the_database(api: TestClient) -> None:
    event = dict(chat()[1], text="a\x00b")
    answer = api.post("/api/v1/events", json=[chat()[0], event])
    assert answer.status_code == 422
    assert answer.json()["errors"] == [
        {"index": 1, "field": "text", "reason": "must not contain the NUL character"}
    ]
