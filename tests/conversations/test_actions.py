"""What a supervisor does to conversations: each action is an event with the acting user, it
shows in the history, and an action on a closed conversation changes nothing."""

import asyncio
import re

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.conversations import actions, history, service
from dozor.conversations.access import Scope
from dozor.conversations.state import fold
from dozor.events.models import StoredEvent
from dozor.events.writer import Writer
from tests.conversations.conftest import Staff
from tests.conversations.dialogs import chat, store

ADMIN = Scope(actor="ada", everything=True, actions=frozenset(actions.ACTIONS))


def _events(staff: Staff, cid: str) -> list[dict]:
    async def load(session: AsyncSession) -> list[dict]:
        rows = await session.execute(
            select(StoredEvent.id, StoredEvent.type, StoredEvent.payload)
            .where(StoredEvent.conversation_id == cid)
            .order_by(StoredEvent.seq)
        )
        return [{"id": r.id, "type": r.type, **r.payload} for r in rows]

    return staff.run(load)


def test_a_close_is_an_event_with_the_acting_user(staff: Staff) -> None:
    staff.push(chat("c1", operator="op-bob", answer_after=5))
    alice = staff.as_("alice")
    answer = alice.post("/api/v1/conversations/c1/actions/close")
    assert answer.status_code == 200, answer.text
    assert answer.json()["outcome"] == "done"
    [closed] = [e for e in _events(staff, "c1") if e["type"] == "conversation.closed"]
    assert closed["actor"] == "alice" and closed["by"] == "system"
    assert closed["id"].startswith("ui-")
    state = alice.get("/api/v1/conversations/c1").json()
    assert state["status"] == "closed" and state["time_to_operator_close"] is None


def test_acting_on_a_closed_conversation_says_so_and_changes_nothing(staff: Staff) -> None:
    staff.push(chat("c1", operator="op-bob", closed_after=30))
    alice = staff.as_("alice")
    before = _events(staff, "c1")
    for action in ("close", "spam", "take", "unpin"):
        answer = alice.post(f"/api/v1/conversations/c1/actions/{action}")
        assert answer.status_code == 409, action
        assert "closed already" in answer.json()["detail"]
    answer = alice.post("/api/v1/conversations/c1/actions/transfer", json={"to_group_id": "sales"})
    assert answer.status_code == 409
    assert _events(staff, "c1") == before


def test_a_review_is_kept_after_the_close(staff: Staff) -> None:
    staff.push(chat("c1", operator="op-bob", closed_after=30))
    alice = staff.as_("alice")
    body = {"rating": 4, "comment": "Вежливо, но долго"}
    assert alice.post("/api/v1/conversations/c1/actions/review", json=body).status_code == 200
    state = alice.get("/api/v1/conversations/c1").json()
    assert (state["supervisor_rating"], state["supervisor_comment"]) == (4, "Вежливо, но долго")
    assert alice.post("/api/v1/conversations/c1/actions/review", json={}).status_code == 422
    too_high = alice.post("/api/v1/conversations/c1/actions/review", json={"rating": 6})
    assert too_high.status_code == 422


def test_transfer_to_a_line_or_an_operator(staff: Staff) -> None:
    staff.push(chat("c1", operator="op-bob", answer_after=5), chat("c2", at=5))
    ada = staff.as_("ada")
    url = "/api/v1/conversations/{}/actions/transfer"
    assert ada.post(url.format("c1"), json={"to_group_id": "sales"}).status_code == 200
    moved = ada.get("/api/v1/conversations/c1").json()
    assert (moved["group_id"], moved["operator_id"], moved["work_state"]) == ("sales", None, "new")
    assert ada.post(url.format("c2"), json={"to_operator_id": "op-bob"}).status_code == 200
    assert ada.get("/api/v1/conversations/c2").json()["operator_id"] == "op-bob"
    unknown = ada.post(url.format("c2"), json={"to_operator_id": "nobody"})
    assert unknown.status_code == 422 and "nobody" in unknown.json()["detail"]
    assert ada.post(url.format("c2"), json={}).status_code == 422
    assert ada.post(url.format("c2"), json={"to_group": "x"}).status_code == 422  # misspelt


def test_take_for_myself_needs_a_linked_operator(staff: Staff) -> None:
    staff.push(chat("c1"), chat("c2", at=5, operator="op-bob"))
    refused = staff.as_("alice").post("/api/v1/conversations/c1/actions/take")
    assert refused.status_code == 409
    assert "not linked to an operator" in refused.json()["detail"]
    ada = staff.as_("ada")
    assert ada.post("/api/v1/conversations/c1/actions/take").status_code == 200
    taken = ada.get("/api/v1/conversations/c1").json()
    assert (taken["operator_id"], taken["detailed_status"]) == ("op-ada", "in_work")
    assert [e["type"] for e in _events(staff, "c1")][-1] == "conversation.accepted"
    # somebody else's conversation is handed over
    assert ada.post("/api/v1/conversations/c2/actions/take").status_code == 200
    assert ada.get("/api/v1/conversations/c2").json()["operator_id"] == "op-ada"
    again = ada.post("/api/v1/conversations/c2/actions/take")
    assert again.status_code == 409 and "yours already" in again.json()["detail"]


def test_pin_and_unpin(staff: Staff) -> None:
    staff.push(chat("c1"))
    alice = staff.as_("alice")
    url = "/api/v1/conversations/c1/actions/"
    assert alice.post(url + "unpin").status_code == 409
    assert alice.post(url + "pin", json={}).status_code == 422
    assert alice.post(url + "pin", json={"operator_id": "op-bob"}).status_code == 200
    assert alice.get("/api/v1/conversations/c1").json()["pinned_operator_id"] == "op-bob"
    assert alice.post(url + "unpin").status_code == 200
    assert alice.get("/api/v1/conversations/c1").json()["pinned_operator_id"] is None


def test_bulk_actions_answer_for_each_conversation(staff: Staff) -> None:
    staff.push(chat("a", operator="op-bob"), chat("b", at=1), chat("c", at=2, closed_after=5))
    alice = staff.as_("alice")
    answer = alice.post("/api/v1/conversations/actions/spam", json={"ids": ["a", "b", "c", "nope"]})
    assert answer.status_code == 200, answer.text
    outcomes = {r["conversation_id"]: r["outcome"] for r in answer.json()["results"]}
    assert outcomes == {"a": "done", "b": "done", "c": "not_active", "nope": "not_found"}
    for cid in ("a", "b"):
        assert alice.get(f"/api/v1/conversations/{cid}").json()["detailed_status"] == "spam"
    assert (
        alice.post("/api/v1/conversations/actions/review", json={"ids": ["a"]}).status_code == 422
    )


def test_a_browser_session_must_send_its_csrf_token_to_the_api(staff: Staff) -> None:
    staff.push(chat("c1"))
    alice = staff.as_("alice")
    forged = alice.post(
        "/api/v1/conversations/c1/actions/close", headers={"X-CSRF-Token": "forged"}
    )
    assert forged.status_code == 403
    assert alice.get("/api/v1/conversations/c1").json()["status"] != "closed"


def test_the_page_acts_and_shows_what_became_of_it(staff: Staff) -> None:
    staff.push(chat("c1", client="Мария", operator="op-bob", answer_after=5))
    alice = staff.as_("alice")
    token = alice.headers["X-CSRF-Token"]
    answer = alice.post(
        "/conversations/c1/actions/close", data={"csrf_token": token}, follow_redirects=False
    )
    assert (answer.status_code, answer.headers["location"]) == (303, "/conversations/c1")
    page = alice.get("/conversations/c1").text
    assert "Диалог № 1 завершен." in page
    assert re.search(r"Завершен\.</span>\s*<span class=\"actor\">— Alice</span>", page)
    again = alice.post("/conversations/c1/actions/spam", data={"csrf_token": token})
    assert "Диалог № 1 уже завершен: ничего не изменено." in again.text
    assert "Диалог № 1 уже завершен" not in alice.get("/conversations/c1").text  # shown once
    # without the token nothing is done
    refused = alice.post(
        "/conversations/c1/actions/review", data={"rating": "5"}, headers={"X-CSRF-Token": ""}
    )
    assert refused.status_code == 403


def test_bulk_from_the_list_page(staff: Staff) -> None:
    staff.push(chat("a"), chat("b", at=1), chat("c", at=2))
    alice = staff.as_("alice")
    answer = alice.post(
        "/conversations/actions",
        data={
            "csrf_token": alice.headers["X-CSRF-Token"],
            "action": "transfer",
            "target": "operator:op-bob",
            "ids": ["a", "c"],
            "next": "/conversations?active=true",
        },
        follow_redirects=False,
    )
    assert answer.headers["location"] == "/conversations?active=true"
    page = alice.get(answer.headers["location"]).text
    assert "Диалог № 1 переадресован." in page and "Диалог № 3 переадресован." in page
    operators = {c: alice.get(f"/api/v1/conversations/{c}").json()["operator_id"] for c in "abc"}
    assert operators == {"a": "op-bob", "b": None, "c": "op-bob"}


async def _perform(
    sessions: async_sessionmaker[AsyncSession], writer: Writer, locks: actions.Locks, order: str
) -> actions.Outcome:
    [outcome] = await actions.perform(
        sessions,
        writer,
        locks,
        order=actions.Order(order, to_group_id="sales" if order == "transfer" else None),
        conversation_ids=["c1"],
        scope=ADMIN,
        now=chat("x").start,
    )
    return outcome


async def _state_is_the_fold_of_its_events(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        row = await service.get(session, "c1")
        events = await history.events_of(session, "c1")
    assert row is not None
    assert service.state_of(row) == fold(events)


async def test_two_supervisors_closing_at_once_get_one_success(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    from dozor.directory.models import Group

    await store(writer, chat("c1", operator="op-bob", answer_after=5))
    async with sessions() as session, session.begin():
        session.add(Group(id="sales", name="Sales"))
    locks = actions.Locks()
    outcomes = await asyncio.gather(
        _perform(sessions, writer, locks, "close"),
        _perform(sessions, writer, locks, "spam"),
        _perform(sessions, writer, locks, "transfer"),
    )
    assert sorted(o.code for o in outcomes) == ["done", "not_active", "not_active"]
    await _state_is_the_fold_of_its_events(sessions)
    assert not locks._locks  # nothing left behind


async def test_two_app_nodes_acting_at_once_leave_a_consistent_state(
    writer: Writer, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Each node has its own locks: both may store their event, and the fold decides."""
    from dozor.directory.models import Group

    await store(writer, chat("c1", operator="op-bob", answer_after=5))
    async with sessions() as session, session.begin():
        session.add(Group(id="sales", name="Sales"))
    await asyncio.gather(
        _perform(sessions, writer, actions.Locks(), "close"),
        _perform(sessions, writer, actions.Locks(), "transfer"),
        _perform(sessions, writer, actions.Locks(), "spam"),
    )
    async with sessions() as session:
        row = await service.get(session, "c1")
    assert row is not None and row.status == "closed"
    await _state_is_the_fold_of_its_events(sessions)


def test_operators_act_only_on_what_they_see(staff: Staff) -> None:
    staff.push(chat("mine", operator="op-bob"), chat("queued", at=1), chat("sales", group="sales"))
    bob = staff.as_("bob")
    assert bob.post("/api/v1/conversations/sales/actions/close").status_code == 404
    assert bob.post("/api/v1/conversations/queued/actions/take").status_code == 200
    assert (
        bob.post(
            "/api/v1/conversations/mine/actions/pin", json={"operator_id": "op-bob"}
        ).status_code
        == 403
    )
    assert bob.post("/api/v1/conversations/mine/actions/close").status_code == 200
    [closed] = [e for e in _events(staff, "mine") if e["type"] == "conversation.closed"]
    assert (closed["by"], closed["operator_id"], closed["actor"]) == ("operator", "op-bob", "bob")
