"""The console's JSON API with each role: preferences, thresholds, SLA targets, hours."""

import time
from datetime import UTC, datetime

import pytest

from tests.console.conftest import Center
from tests.metrics.scenarios import inbound

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_preferences_are_each_persons_own(center: Center) -> None:
    alice = center.as_("alice")
    assert alice.get("/api/v1/console/preferences").json()["window"] == "15m"
    chosen = {
        "kpis": ["lost", "csat"],
        "groups": ["support"],
        "operators": [],
        "window": "5m",
        "sound": True,
    }
    assert alice.put("/api/v1/console/preferences", json=chosen).json() == chosen
    assert alice.get("/api/v1/console/preferences").json() == chosen
    assert center.as_("ada").get("/api/v1/console/preferences").json()["kpis"] != ["lost", "csat"]
    assert alice.put("/api/v1/console/preferences", json={"kpis": ["nope"]}).status_code == 422
    assert alice.put("/api/v1/console/preferences", json={"colour": 1}).status_code == 422


@pytest.mark.parametrize(("who", "code"), [("bob", 403), ("anonymous", 401)])
def test_preferences_are_not_for_operators_or_strangers(
    center: Center, who: str, code: int
) -> None:
    assert center.as_(who).get("/api/v1/console/preferences").status_code == code
    assert center.token().get("/api/v1/console/preferences").status_code == 403


def _threshold(kpi: str = "lost", scope: str = "all", scope_id: str = "", **levels) -> dict:  # type: ignore[no-untyped-def]
    return {
        "kpi": kpi,
        "scope": scope,
        "scope_id": scope_id,
        "warning": 3,
        "critical": 5,
        "worse": "higher",
        **levels,
    }


def test_an_admin_sets_any_threshold_and_a_put_replaces(center: Center) -> None:
    ada = center.as_("ada")
    first = ada.put("/api/v1/thresholds", json=_threshold())
    assert first.status_code == 200, first.text
    again = ada.put("/api/v1/thresholds", json=_threshold(warning=1, critical=2)).json()
    assert again["id"] == first.json()["id"] and again["warning"] == 1
    assert [t["id"] for t in ada.get("/api/v1/thresholds").json()] == [again["id"]]
    assert ada.delete(f"/api/v1/thresholds/{again['id']}").status_code == 204
    assert ada.delete(f"/api/v1/thresholds/{again['id']}").status_code == 404


def test_a_supervisor_sets_only_their_groups_and_operators(center: Center) -> None:
    alice = center.as_("alice")
    assert alice.put("/api/v1/thresholds", json=_threshold()).status_code == 403
    assert (
        alice.put(
            "/api/v1/thresholds", json=_threshold(scope="group", scope_id="sales")
        ).status_code
        == 403
    )
    own = alice.put("/api/v1/thresholds", json=_threshold(scope="group", scope_id="support"))
    assert own.status_code == 200
    assert (
        alice.put(
            "/api/v1/thresholds", json=_threshold(scope="operator", scope_id="op-eve")
        ).status_code
        == 200
    )
    sam = center.as_("sam")
    assert (
        sam.put(
            "/api/v1/thresholds", json=_threshold(scope="operator", scope_id="op-bob")
        ).status_code
        == 403
    )
    assert sam.delete(f"/api/v1/thresholds/{own.json()['id']}").status_code == 403
    assert alice.delete(f"/api/v1/thresholds/{own.json()['id']}").status_code == 204
    assert center.as_("bob").get("/api/v1/thresholds").status_code == 403
    assert center.token().put("/api/v1/thresholds", json=_threshold()).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        _threshold(warning=5, critical=3),
        _threshold(worse="lower"),
        _threshold(scope="group"),
        _threshold(scope_id="support"),
        _threshold(kpi="nope"),
    ],
)
def test_thresholds_that_make_no_sense_are_refused(center: Center, body: dict) -> None:  # type: ignore[type-arg]
    assert center.as_("ada").put("/api/v1/thresholds", json=body).status_code == 422


def _wait(condition, seconds: float = 2.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


def test_an_admin_sets_targets_and_the_console_follows(center: Center, clock) -> None:  # type: ignore[no-untyped-def]
    center.post(*inbound("c1", medium="chat", group="support").events)
    ada = center.as_("ada")
    body = {"new": 10, "unanswered": 60, "answered": None}
    answer = ada.put("/api/v1/sla-targets/chat/support", json=body)
    assert answer.status_code == 200, answer.text
    listed = ada.get("/api/v1/sla-targets").json()
    assert listed["targets"] == [{"group_id": "support", "medium": "chat", **body}]
    assert listed["defaults"]["chat"]["new"] == 60
    live = center.state.live
    clock.advance(11)
    assert _wait(lambda: live.state.items["c1"].overdue)
    assert ada.delete("/api/v1/sla-targets/chat/support").status_code == 204
    assert _wait(lambda: not live.state.items["c1"].overdue)
    assert ada.delete("/api/v1/sla-targets/chat/support").status_code == 404
    assert ada.put("/api/v1/sla-targets/chat/nowhere", json=body).status_code == 404
    assert ada.put("/api/v1/sla-targets/fax/support", json=body).status_code == 422
    assert center.as_("alice").put("/api/v1/sla-targets/chat/support", json=body).status_code == 403
    assert center.as_("alice").get("/api/v1/sla-targets").status_code == 200


def test_business_hours_pause_the_email_clock(center: Center, clock) -> None:  # type: ignore[no-untyped-def]
    # T0 is Monday 12:00 in Moscow: with hours 09:00-13:00 an e-mail's 4 hours end on Tuesday
    center.post(*inbound("m1", medium="email", group="support").events)
    ada = center.as_("ada")
    answer = ada.put("/api/v1/business-hours/support", json={"spec": "Mon-Fri 09:00-13:00"})
    assert answer.json() == {"group_id": "support", "spec": "mon-fri 09:00-13:00"}
    live = center.state.live
    assert _wait(
        lambda: live.state.items["m1"].contact.overdue_at == datetime(2026, 3, 3, 9, tzinfo=UTC)
    )
    assert ada.get("/api/v1/business-hours").json() == [answer.json()]
    assert ada.put("/api/v1/business-hours/support", json={"spec": "mon 9-5"}).status_code == 422
    assert ada.put("/api/v1/business-hours/support", json={"spec": ""}).status_code == 422
    assert (
        center.as_("alice")
        .put("/api/v1/business-hours/support", json={"spec": "mon 09:00-10:00"})
        .status_code
        == 403
    )
    assert ada.delete("/api/v1/business-hours/support").status_code == 204
    assert _wait(
        lambda: live.state.items["m1"].contact.overdue_at == datetime(2026, 3, 2, 13, tzinfo=UTC)
    )


def test_a_browser_session_changes_nothing_without_its_csrf_token(center: Center) -> None:
    ada = center.as_("ada")
    token = ada.headers.pop("X-CSRF-Token")
    try:
        refused = ada.put("/api/v1/thresholds", json=_threshold())
        assert refused.status_code == 403
        assert "X-CSRF-Token" in refused.json()["detail"]
        wrong = ada.put("/api/v1/thresholds", json=_threshold(), headers={"X-CSRF-Token": "x"})
        assert wrong.status_code == 403
        assert ada.get("/api/v1/thresholds").json() == []
    finally:
        ada.headers["X-CSRF-Token"] = token
    assert ada.put("/api/v1/thresholds", json=_threshold()).status_code == 200
    # an integration's API token needs no CSRF token
    assert center.token().put("/api/v1/thresholds", json=_threshold(kpi="csat")).status_code == 200
