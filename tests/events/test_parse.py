"""A good batch is parsed once; whatever the body, the answer is the one the careful path gives
(``_parse_slowly``: orjson first, then the contract)."""

from typing import Any

import orjson
import pytest
from fastapi import HTTPException
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from dozor.events.api import _BatchInvalid, _parse_slowly, parse_batch
from tests.events.test_api import chat
from tests.events.test_fuzz import bodies, json_values

LIMIT = 3
EVENT = orjson.dumps(chat()[1])
# a good event, its closing brace left off for a field to be added
CLOSING = orjson.dumps(dict(chat()[0], type="conversation.closing"))[:-1]
NOT_JSON = [
    CLOSING + b',"x":NaN}',
    CLOSING + b',"x":[Infinity]}',
    b"[" + CLOSING + b',"x":-Infinity}]',
    b'{"a":NaN}',
]


def _answer(parse: Any, body: bytes) -> Any:
    try:
        return [e.model_dump() for e in parse(body, batch_limit=LIMIT)]
    except HTTPException as error:
        return (error.status_code, error.detail)
    except _BatchInvalid as error:
        return error.errors


def _mutated(events: list[dict[str, Any]], data: st.DataObject) -> bytes:
    event = data.draw(st.sampled_from(events))
    field = data.draw(st.sampled_from([*event, "extra"]))
    event[field] = data.draw(json_values)
    return orjson.dumps(events)


@pytest.mark.parametrize(
    "body",
    [
        EVENT,
        b"[" + EVENT + b"]",
        b"[]",
        b"[" + b",".join([EVENT] * (LIMIT + 1)) + b"]",
        CLOSING + b',"x":' + b"[" * 300 + b"]" * 300 + b"}",
        *NOT_JSON,
    ],
)
def test_each_kind_of_body_gets_the_careful_answer(body: bytes) -> None:
    assert _answer(parse_batch, body) == _answer(_parse_slowly, body)


@settings(max_examples=300, deadline=None)
@given(body=bodies)
def test_any_body_gets_the_careful_answer(body: bytes) -> None:
    assert _answer(parse_batch, body) == _answer(_parse_slowly, body)


@settings(max_examples=300, deadline=None)
@given(data=st.data(), count=st.integers(1, LIMIT + 1))
def test_a_nearly_good_batch_gets_the_careful_answer(data: st.DataObject, count: int) -> None:
    body = _mutated([dict(chat()[i % 4], id=f"e{i}") for i in range(count)], data)
    assert _answer(parse_batch, body) == _answer(_parse_slowly, body)


@pytest.mark.parametrize("body", NOT_JSON)
def test_nan_and_infinity_are_not_json(api: TestClient, body: bytes) -> None:
    answer = api.post("/api/v1/events", content=body)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("malformed JSON: ")


def test_json_nested_too_deep_for_the_contract_is_a_400_not_a_503(api: TestClient) -> None:
    body = CLOSING + b',"x":' + b"[" * 300 + b"]" * 300 + b"}"
    answer = api.post("/api/v1/events", content=body)
    assert answer.status_code == 400
    assert answer.json()["detail"].startswith("malformed JSON: recursion limit exceeded")
