"""Who sees and acts on which conversations, route by route, role by role: an admin and an API
token everything, a supervisor their groups, an operator their own and their groups' queues,
an outsider (a supervisor with no group, an operator user with no operator) nothing, and an
anonymous visitor is sent to log in."""

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from tests.conversations.conftest import Staff
from tests.conversations.dialogs import chat

SEES = {
    "ada": {"s1", "s2", "x1", "s3"},
    "token": {"s1", "s2", "x1", "s3"},
    "alice": {"s1", "s2", "s3"},
    "sam": {"x1"},
    "victor": set(),
    "bob": {"s1", "s2"},  # his own, and the one waiting in support's queue; not ada's s3
    "otto": set(),
}
EVERYONE = {"s1", "s2", "x1", "s3"}


@pytest.fixture
def center(staff: Staff) -> Staff:
    staff.push(
        chat("s1", group="support", operator="op-bob", answer_after=3),
        chat("s2", at=1, group="support"),
        chat("x1", at=2, group="sales"),
        chat("s3", at=3, group="support", operator="op-ada", answer_after=3),
    )
    return staff


def _client(staff: Staff, who: str) -> TestClient:
    return staff.token() if who == "token" else staff.as_(who)


def test_the_api_list_shows_each_caller_their_conversations(center: Staff) -> None:
    for who, expected in SEES.items():
        client = _client(center, who)
        answer = client.get("/api/v1/conversations")
        assert answer.status_code == 200, who
        assert {item["id"] for item in answer.json()["items"]} == expected, who
        summary = client.get("/api/v1/conversations/summary").json()
        assert summary["count"] == len(expected), who
        for cid in EVERYONE:
            status = client.get(f"/api/v1/conversations/{cid}").status_code
            assert status == (200 if cid in expected else 404), (who, cid)


def test_the_export_holds_only_what_the_caller_sees(center: Staff) -> None:
    for who, expected in SEES.items():
        answer = _client(center, who).get("/api/v1/conversations/export?columns=number")
        assert answer.status_code == 200, who
        rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
        assert len(rows) - 1 == len(expected), who


def test_the_pages_show_each_user_their_conversations(center: Staff) -> None:
    for who, expected in SEES.items():
        if who == "token":
            continue
        client = center.as_(who)
        page = client.get("/conversations")
        assert page.status_code == 200, who
        assert set(re.findall(r'<tr data-id="([^"]+)"', page.text)) == expected, who
        for cid in EVERYONE:
            status = client.get(f"/conversations/{cid}").status_code
            assert status == (200 if cid in expected else 404), (who, cid)


@pytest.mark.parametrize(
    ("action", "body", "allowed"),
    [
        ("close", None, {"ada", "token", "alice", "bob"}),
        ("pin", {"operator_id": "op-bob"}, {"ada", "token", "alice"}),
        ("review", {"rating": 5}, {"ada", "token", "alice"}),
    ],
)
def test_each_role_acts_only_where_it_may(
    center: Staff, action: str, body: dict | None, allowed: set[str]
) -> None:
    for who in ("victor", "otto", "sam", "bob", "alice", "ada", "token"):
        client = _client(center, who)
        # a fresh conversation in support for each caller
        cid = f"t-{who}"
        center.push(chat(cid, group="support"))
        answer = client.post(f"/api/v1/conversations/{cid}/actions/{action}", json=body)
        if who in allowed:
            assert answer.status_code == 200, (who, answer.text)
        elif who == "bob":
            assert answer.status_code == 403, who  # he sees it, but an operator may not
        else:
            assert answer.status_code == 404, who  # not theirs to see: not said to exist


def test_bulk_leaves_what_the_caller_does_not_see(center: Staff) -> None:
    answer = center.as_("sam").post(
        "/api/v1/conversations/actions/close", json={"ids": ["s1", "x1"]}
    )
    outcomes = {r["conversation_id"]: r["outcome"] for r in answer.json()["results"]}
    assert outcomes == {"s1": "not_found", "x1": "done"}


def test_anonymous_visitors_are_sent_to_log_in(center: Staff) -> None:
    anonymous = center.anonymous()
    for path in ("/conversations", "/conversations/s1", "/conversations/exports/x"):
        answer = anonymous.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")
    for path in (
        "/api/v1/conversations",
        "/api/v1/conversations/summary",
        "/api/v1/conversations/export",
        "/api/v1/conversations/s1",
    ):
        assert anonymous.get(path).status_code == 401, path
    for path in ("/api/v1/conversations/s1/actions/close", "/api/v1/conversations/actions/close"):
        assert anonymous.post(path, json={"ids": ["s1"]}).status_code == 401, path
    token = re.search(r'name="csrf_token" value="([^"]+)"', anonymous.get("/login").text)
    assert token
    for path in (
        "/conversations/s1/actions/close",
        "/conversations/actions",
        "/conversations/columns",
        "/conversations/filters",
        "/conversations/exports",
        "/conversations/filters/1/delete",
    ):
        answer = anonymous.post(
            path, data={"csrf_token": token.group(1), "ids": "s1"}, follow_redirects=False
        )
        assert answer.status_code == 303 and "/login" in answer.headers["location"], path
    assert center.as_("ada").get("/api/v1/conversations/s1").json()["status"] != "closed"


def test_a_users_exports_and_saved_filters_are_their_own(center: Staff) -> None:
    alice, sam = center.as_("alice"), center.as_("sam")
    started = alice.post("/conversations/exports", data={"format": "csv", "query": ""})
    job = re.search(r"/conversations/exports/([0-9a-f]+)", started.text)
    assert job
    assert sam.get(f"/conversations/exports/{job.group(1)}").status_code == 404
    assert sam.get(f"/conversations/exports/{job.group(1)}/file").status_code == 404
    alice.post(
        "/conversations/filters",
        data={"name": "Мои", "query": "active=true", "csrf_token": alice.headers["X-CSRF-Token"]},
    )
    [saved] = re.findall(r"/conversations/filters/(\d+)/delete", alice.get("/conversations").text)
    assert sam.post(f"/conversations/filters/{saved}/delete").status_code == 404
    assert "Мои" in alice.get("/conversations").text
    assert "Мои" not in sam.get("/conversations").text
