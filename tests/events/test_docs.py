"""docs/events.md is kept honest: its examples are posted, and its results and tables checked."""

import json
import re
from pathlib import Path
from typing import Any, get_args

from fastapi.testclient import TestClient
from pydantic import BaseModel

from dozor.events import contract as c

DOC = (Path(__file__).parents[2] / "docs" / "events.md").read_text()
JSON_BLOCKS = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", DOC, re.DOTALL)]
MODELS: dict[str, type[BaseModel]] = {
    get_args(model.model_fields["type"].annotation)[0]: model
    for model in (c.OperatorStatus, *get_args(c.ConversationEvent))
}


def is_event(value: Any) -> bool:
    return isinstance(value, dict) and "type" in value and "ts" in value


def event_blocks() -> list[list[dict[str, Any]]]:
    """Every example that is an event or a list of events, as a list."""
    blocks = [b if isinstance(b, list) else [b] for b in JSON_BLOCKS]
    return [b for b in blocks if b and all(is_event(e) for e in b)]


def table(heading: str) -> list[list[str]]:
    """The cells of the first table after ``heading``, header first."""
    section = DOC.split(heading, 1)[1]
    lines = section.split("\n\n| ", 1)[1].split("\n\n", 1)[0].splitlines()
    rows = [("| " + lines[0]).strip("|"), *(line.strip("|") for line in lines[2:])]
    return [[cell.strip() for cell in row.split(" | ")] for row in rows]


def code(cell: str) -> str:
    return cell.removeprefix("`").removesuffix("`")


def expected_conversations() -> dict[str, dict[str, Any]]:
    header, *rows = table("### The resulting conversations")
    return {
        code(conversation_id): {code(row[0]): json.loads(code(row[column])) for row in rows}
        for column, conversation_id in enumerate(header[1:], start=1)
    }


def test_every_example_is_accepted_and_gives_the_conversations_shown(api: TestClient) -> None:
    batches = event_blocks()
    assert len(batches) >= 4
    for batch in batches:
        answer = api.post("/api/v1/events", json=batch)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"accepted": len(batch), "duplicates": 0}
    expected = expected_conversations()
    assert {"wait_first_answer", "bot_time", "duration"} <= set(expected["chat-1001"])
    assert set(expected) == {"chat-1001", "call-2001", "mail-3001"}
    for conversation_id, values in expected.items():
        actual = api.get(f"/api/v1/conversations/{conversation_id}").json()
        assert {key: actual[key] for key in values} == values, conversation_id


def test_the_directory_holds_what_the_examples_named(api: TestClient) -> None:
    for batch in event_blocks():
        api.post("/api/v1/events", json=batch)
    channels = {c["id"]: c["medium"] for c in api.get("/api/v1/channels").json()}
    assert channels == {"site-chat": "chat", "tel-88005550101": "call", "mail-support": "email"}
    assert [g["id"] for g in api.get("/api/v1/groups").json()] == ["sales", "support"]
    assert [t["id"] for t in api.get("/api/v1/topics").json()] == ["delivery"]
    assert {o["id"] for o in api.get("/api/v1/operators").json()} == {"anna", "olga", "ivan"}


def test_the_rejection_shown_is_what_the_api_answers(api: TestClient) -> None:
    [shown] = [b for b in JSON_BLOCKS if isinstance(b, dict) and "errors" in b]
    chat = next(b for b in event_blocks() if b[0].get("conversation_id") == "chat-1001")
    bad = [dict(e) for e in chat]
    bad[1]["ts"] = bad[1]["ts"].removesuffix("+03:00")
    bad[3]["type"] = "message.sent"
    answer = api.post("/api/v1/events", json=bad)
    assert answer.status_code == 422
    assert answer.json() == shown


def test_every_type_and_field_is_documented() -> None:
    rows = {code(row[0]): row[1] for row in table("## Types")[1:]}
    assert set(rows) == set(c.EVENT_TYPES)
    common = {"id", "type", "ts", "conversation_id", "actor"}
    for name, model in MODELS.items():
        for field in set(model.model_fields) - common:
            assert f"`{field}`" in rows[name], f"{name}: {field} is not documented"


def test_the_openapi_document_describes_every_event_type(app_client: TestClient) -> None:
    document = app_client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    event = schemas["Event"]
    mapping = event["discriminator"]["mapping"]
    assert set(mapping) == set(c.EVENT_TYPES) and len(mapping) == 16
    for type_name, reference in mapping.items():
        schema = schemas[reference.rsplit("/", 1)[1]]
        assert schema["properties"]["type"]["const"] == type_name
        assert {"id", "ts", "type"} <= set(schema["required"])
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]
    assert {"$ref": "#/components/schemas/Event"} in body["content"]["application/json"]["schema"][
        "oneOf"
    ]
