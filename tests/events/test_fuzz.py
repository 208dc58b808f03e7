"""Whatever an integration sends, the answer is a clear 4xx, never a 500, and nothing is kept."""

import orjson
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import T0

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = [
    "conversation_id",
    "operator_id",
    "status",
    "channel_id",
    "medium",
    "direction",
    "message_id",
    "author",
    "score",
    "on",
    "by",
    "client",
]
TYPES = [
    "operator.status",
    "conversation.opened",
    "message.created",
    "conversation.closed",
    "conversation.rated",
    "conversation.hold",
    "nonsense",
]
near_events = st.fixed_dictionaries(
    {
        "id": st.text(max_size=210),
        "type": st.sampled_from(TYPES),
        "ts": st.sampled_from([T0.isoformat(), "2026-03-02T09:00:00", "yesterday", 1_700_000_000]),
    },
    optional={name: json_values for name in FIELDS},
)
bodies = st.one_of(
    json_values.map(orjson.dumps),
    near_events.map(orjson.dumps),
    st.lists(near_events, min_size=1, max_size=5).map(orjson.dumps),
    st.binary(max_size=50),
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
def test_bad_bodies_get_a_4xx_and_store_nothing(api: TestClient, body: bytes) -> None:
    answer = api.post("/api/v1/events", content=body, headers={"Content-Type": "application/json"})
    if answer.status_code == 200:  # hypothesis found a valid event: it must then be stored
        assert answer.json()["accepted"] + answer.json()["duplicates"] >= 1
        return
    assert answer.status_code in (400, 413, 422), answer.text
    assert answer.json()["detail"]
    assert api.get("/api/v1/operators").json() == []
