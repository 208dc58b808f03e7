"""The JSON API: create, read, change, comment, list with filters, and who may do each."""

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from dozor.auth.models import User
from dozor.tasks import access, rules
from dozor.tasks.models import Task
from tests.tasks.conftest import Center

PEOPLE = ("ada", "alice", "bob", "carol", "charlie", "sam")


def give(client: TestClient, **fields: Any) -> dict[str, Any]:
    answer = client.post("/api/v1/tasks", json={"title": "A task", **fields})
    assert answer.status_code == 201, answer.text
    return answer.json()


def ids(answer: Any) -> set[int]:
    assert answer.status_code == 200, answer.text
    return {task["id"] for task in answer.json()}


def test_a_supervisor_gives_an_operator_the_equipment_task_of_seed_002(center: Center) -> None:
    task = give(
        center.as_("alice"),
        title="Поменять оборудование раб.стол №1",
        kind="assignment",
        priority="normal",
        due_date="2026-03-09",
        assignee_user_id=center.ids["bob"],
        description="Требуются новые наушники и мышь.",
        attachments=["https://shop.example.com/headset"],
    )
    assert task["status"] == "new"
    assert task["author_id"] == center.ids["alice"]
    assert task["due_at"] == "2026-03-09T21:00:00Z"  # the end of Monday in Moscow
    assert task["overdue"] is False
    assert task["comments"] == []
    mine = center.as_("bob").get("/api/v1/tasks", params={"view": "mine"}).json()
    assert [t["title"] for t in mine] == ["Поменять оборудование раб.стол №1"]
    assert ids(center.as_("alice").get("/api/v1/tasks", params={"view": "given"})) == {task["id"]}


def test_a_task_turns_overdue_when_its_deadline_passes(center: Center) -> None:
    alice = center.as_("alice")
    task = give(alice, due_date="2026-03-02", due_time="13:00", assignee_user_id=center.ids["bob"])
    assert task["due_at"] == "2026-03-02T10:00:00Z"
    assert alice.get(f"/api/v1/tasks/{task['id']}").json()["overdue"] is False
    center.state.clock.advance(3600)
    assert alice.get(f"/api/v1/tasks/{task['id']}").json()["overdue"] is True
    alice.patch(f"/api/v1/tasks/{task['id']}", json={"status": "done"})
    assert alice.get(f"/api/v1/tasks/{task['id']}").json()["overdue"] is False


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({}, "one user or one group"),
        ({"assignee_user_id": 1, "assignee_group_id": "support"}, "one user or one group"),
        ({"assignee_user_id": 999}, "No user 999"),
        ({"assignee_group_id": "nowhere"}, "No group nowhere"),
        ({"assignee_group_id": "support", "kind": "meeting"}, "Unknown task kind"),
        ({"assignee_group_id": "support", "due_time": "10:00"}, "needs a date"),
        (
            {"assignee_group_id": "support", "attachments": ["javascript:alert(1)"]},
            "Not a web address",
        ),
        (
            {"assignee_group_id": "support", "link": {"type": "conversation", "id": "c404"}},
            "No conversation c404",
        ),
        ({"assignee_group_id": "support", "remind_at": "2026-03-02T10:00:00"}, "timezone"),
        ({"assignee_group_id": "support", "colour": "red"}, "Extra inputs"),
        ({"assignee_group_id": "support", "priority": "urgent"}, "priority"),
        ({"assignee_group_id": "support", "title": "  "}, "title"),
        ({"assignee_group_id": "support", "description": "a\x00b"}, "description"),
    ],
)
def test_a_bad_task_is_refused_with_the_reason(
    center: Center, fields: dict[str, Any], reason: str
) -> None:
    alice = center.as_("alice")
    answer = alice.post("/api/v1/tasks", json={"title": "A task", **fields})
    assert answer.status_code == 422
    assert reason in answer.text
    assert alice.get("/api/v1/tasks").json() == []


def test_a_task_about_a_group_operator_or_conversation_is_found_by_it(center: Center) -> None:
    alice = center.as_("alice")
    bob_id = center.ids["bob"]
    about_group = give(alice, assignee_user_id=bob_id, link={"type": "group", "id": "support"})
    about_bob = give(alice, assignee_user_id=bob_id, link={"type": "operator", "id": "op-bob"})
    assert about_group["link"] == {"type": "group", "id": "support"}
    found = alice.get("/api/v1/tasks", params={"link_type": "operator", "link_id": "op-bob"})
    assert ids(found) == {about_bob["id"]}


# -- who sees what ---------------------------------------------------------------------------


def test_who_sees_a_task_given_to_an_operator(center: Center) -> None:
    task = give(center.as_("alice"), assignee_user_id=center.ids["bob"])
    path = f"/api/v1/tasks/{task['id']}"
    seen = {name: center.as_(name).get(path).status_code for name in PEOPLE}
    # carol is in bob's group but the task is bob's; charlie and sam are of another group
    assert seen == {"ada": 200, "alice": 200, "bob": 200, "carol": 404, "charlie": 404, "sam": 404}
    assert center.anonymous().get(path).status_code == 401
    assert center.token().get(path).status_code == 200


def test_who_sees_a_task_given_to_a_group(center: Center) -> None:
    task = give(center.as_("ada"), assignee_group_id="support")
    path = f"/api/v1/tasks/{task['id']}"
    seen = {name for name in PEOPLE if center.as_(name).get(path).status_code == 200}
    assert seen == {"ada", "alice", "bob", "carol"}
    assert ids(center.as_("carol").get("/api/v1/tasks", params={"view": "mine"})) == {task["id"]}


def test_a_supervisor_sees_what_the_users_of_their_groups_give_and_get(center: Center) -> None:
    by_bob = give(center.as_("bob"), assignee_user_id=center.ids["charlie"])
    to_charlie = give(center.as_("sam"), assignee_user_id=center.ids["charlie"])
    assert ids(center.as_("alice").get("/api/v1/tasks")) == {by_bob["id"]}
    assert ids(center.as_("sam").get("/api/v1/tasks")) == {by_bob["id"], to_charlie["id"]}
    assert ids(center.as_("ada").get("/api/v1/tasks")) == {by_bob["id"], to_charlie["id"]}
    assert ids(center.as_("carol").get("/api/v1/tasks")) == set()
    assert center.anonymous().get("/api/v1/tasks").status_code == 401


def test_the_lists_agree_with_the_rule_of_who_sees_what(center: Center) -> None:
    """Every pairing of author and assignee: each person's list is what ``rules.can_see``
    allows, so the SQL condition and the pure rule cannot drift apart."""
    users = [center.ids[name] for name in PEOPLE]
    for author in ("ada", "alice", "bob", "charlie", "sam"):
        client = center.as_(author)
        for user_id in users:
            give(client, assignee_user_id=user_id)
        for group in ("support", "sales"):
            give(client, assignee_group_id=group)

    async def expected(session: Any) -> dict[str, set[int]]:
        tasks = list(await session.scalars(select(Task)))
        result = {}
        for name in PEOPLE:
            user = await session.get(User, center.ids[name])
            viewer = await access.viewer_for(session, user=user)
            result[name] = {t.id for t in tasks if rules.can_see(viewer, t)}
        return result

    allowed = center.run(expected)
    for name in PEOPLE:
        assert ids(center.as_(name).get("/api/v1/tasks", params={"limit": 1000})) == allowed[name]
    assert len(allowed["ada"]) == 5 * 8
    assert 0 < len(allowed["carol"]) < len(allowed["alice"]) < len(allowed["ada"])


# -- changes and comments --------------------------------------------------------------------


def test_the_assignee_moves_the_status_with_a_comment_as_in_seed_002(center: Center) -> None:
    """The monthly report cannot go out in time: "in progress", and why."""
    task = give(
        center.as_("ada"),
        title="Ежемесячный отчет по эффективности call-центра",
        assignee_user_id=center.ids["alice"],
        due_date="2026-03-31",
    )
    alice = center.as_("alice")
    changed = alice.patch(
        f"/api/v1/tasks/{task['id']}",
        json={"status": "in_progress", "comment": "Отчет не может быть отправлен вовремя"},
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "in_progress"
    [entry] = changed.json()["comments"]
    assert entry["status_from"] == "new" and entry["status_to"] == "in_progress"
    assert entry["text"] == "Отчет не может быть отправлен вовремя"
    assert entry["author_id"] == center.ids["alice"]


def test_comments_come_from_both_sides_in_order(center: Center) -> None:
    task = give(center.as_("alice"), assignee_user_id=center.ids["bob"])
    path = f"/api/v1/tasks/{task['id']}/comments"
    assert center.as_("bob").post(path, json={"text": "Наушники заказаны"}).status_code == 201
    center.state.clock.advance(60)
    assert center.as_("alice").post(path, json={"text": "Спасибо"}).status_code == 201
    done = center.as_("bob").post(path, json={"text": "Заменил", "status": "done"})
    assert done.json()["status_to"] == "done"
    history = center.as_("ada").get(path).json()
    assert [(c["author_id"], c["text"]) for c in history] == [
        (center.ids["bob"], "Наушники заказаны"),
        (center.ids["alice"], "Спасибо"),
        (center.ids["bob"], "Заменил"),
    ]
    assert center.as_("charlie").post(path, json={"text": "?"}).status_code == 404
    assert center.as_("bob").post(path, json={"text": "  "}).status_code == 422


def test_only_the_author_a_supervisor_or_an_admin_change_what_a_task_asks(
    center: Center,
) -> None:
    task = give(center.as_("carol"), assignee_user_id=center.ids["bob"], priority="low")
    path = f"/api/v1/tasks/{task['id']}"
    assert center.as_("bob").patch(path, json={"priority": "high"}).status_code == 403
    assert center.as_("bob").patch(path, json={"status": "in_progress"}).status_code == 200
    assert center.as_("charlie").patch(path, json={"status": "done"}).status_code == 404
    assert center.as_("sam").patch(path, json={"priority": "high"}).status_code == 404
    for name, priority in (("carol", "normal"), ("alice", "high"), ("ada", "critical")):
        answer = center.as_(name).patch(path, json={"priority": priority})
        assert answer.status_code == 200, (name, answer.text)
        assert answer.json()["priority"] == priority


def test_a_task_is_handed_from_a_user_to_a_group(center: Center) -> None:
    alice = center.as_("alice")
    task = give(alice, assignee_user_id=center.ids["bob"])
    moved = alice.patch(f"/api/v1/tasks/{task['id']}", json={"assignee_group_id": "support"})
    assert moved.status_code == 200, moved.text
    assert (moved.json()["assignee_user_id"], moved.json()["assignee_group_id"]) == (
        None,
        "support",
    )
    assert alice.patch(f"/api/v1/tasks/{task['id']}", json={"title": None}).status_code == 422


def test_an_integration_writes_tasks_with_its_token(center: Center) -> None:
    api = center.token()
    task = give(api, assignee_user_id=center.ids["bob"], priority="critical")
    assert task["author_id"] is None
    assert ids(api.get("/api/v1/tasks")) == {task["id"]}
    assert ids(api.get("/api/v1/tasks", params={"view": "mine"})) == set()


# -- filters and order -----------------------------------------------------------------------


def test_the_list_filters_and_sorts(center: Center) -> None:
    alice, bob_id = center.as_("alice"), center.ids["bob"]
    late = give(alice, assignee_user_id=bob_id, due_date="2026-03-01", priority="low")
    today = give(alice, assignee_user_id=bob_id, due_date="2026-03-02", priority="critical")
    week = give(alice, assignee_user_id=bob_id, due_date="2026-03-05", due_time="09:00")
    later = give(center.as_("ada"), assignee_group_id="support", due_date="2026-04-01")
    undated = give(alice, assignee_user_id=center.ids["carol"], priority="high")
    done = give(alice, assignee_user_id=bob_id, due_date="2026-02-01", status="done")

    def listed(**params: Any) -> list[int]:
        answer = alice.get("/api/v1/tasks", params=params)
        assert answer.status_code == 200, answer.text
        return [task["id"] for task in answer.json()]

    by_deadline = [done, late, today, week, later, undated]
    assert listed() == [t["id"] for t in by_deadline]
    assert listed(sort="priority")[:2] == [today["id"], undated["id"]]
    assert listed(deadline="overdue") == [late["id"]]
    assert listed(deadline="today") == [today["id"]]
    assert listed(deadline="week") == [today["id"], week["id"]]
    assert listed(status=["done", "cancelled"]) == [done["id"]]
    assert listed(priority=["critical", "high"]) == [today["id"], undated["id"]]
    assert listed(assignee_group="support") == [later["id"]]
    assert listed(assignee_user=center.ids["carol"]) == [undated["id"]]
    assert listed(author=center.ids["ada"]) == [later["id"]]
    assert listed(limit=2, offset=1) == [late["id"], today["id"]]
    assert alice.get("/api/v1/tasks", params={"deadline": "yesterday"}).status_code == 422


def test_admins_add_kinds_of_tasks(center: Center) -> None:
    kind = {"id": "equipment", "name": "Оборудование"}
    assert center.as_("alice").post("/api/v1/tasks/kinds", json=kind).status_code == 403
    assert center.as_("ada").post("/api/v1/tasks/kinds", json=kind).status_code == 201
    assert center.as_("ada").post("/api/v1/tasks/kinds", json=kind).status_code == 409
    kinds = center.as_("bob").get("/api/v1/tasks/kinds").json()
    assert [k["id"] for k in kinds] == ["assignment", "equipment"]
    task = give(center.as_("alice"), kind="equipment", assignee_user_id=center.ids["bob"])
    assert task["kind"] == "equipment"


def test_the_openapi_document_describes_the_tasks_api(center: Center) -> None:
    paths = center.client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/tasks"])
    assert {"get", "patch"} <= set(paths["/api/v1/tasks/{task_id}"])
    assert {"get", "post"} <= set(paths["/api/v1/tasks/{task_id}/comments"])
    assert not any(path.startswith("/tasks") for path in paths)  # the pages stay out


def test_a_browser_session_changes_nothing_without_its_csrf_token(center: Center) -> None:
    alice = center.as_("alice")
    task = give(alice, assignee_user_id=center.ids["bob"])
    token = alice.headers.pop("X-CSRF-Token")
    try:
        body = {"title": "Forged", "assignee_user_id": center.ids["bob"]}
        assert alice.post("/api/v1/tasks", json=body).status_code == 403
        path = f"/api/v1/tasks/{task['id']}"
        assert alice.patch(path, json={"status": "done"}).status_code == 403
        assert alice.post(f"{path}/comments", json={"text": "?"}).status_code == 403
        wrong = {"X-CSRF-Token": "not-" + token}
        assert alice.patch(path, json={"status": "done"}, headers=wrong).status_code == 403
        assert alice.get(path).json()["status"] == "new"  # reading needs no token
    finally:
        alice.headers["X-CSRF-Token"] = token
    assert len(alice.get("/api/v1/tasks").json()) == 1
