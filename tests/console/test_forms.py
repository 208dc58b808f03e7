"""The settings pages: the panel's choices, thresholds, targets and business hours."""

import re

from tests.auth.personas import csrf_token
from tests.console.conftest import Center


def _form(client, path: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(
        path, data={"csrf_token": csrf_token(client, path), **data}, follow_redirects=False
    )


def test_a_supervisor_chooses_indicators_and_sees_them(center: Center) -> None:
    alice = center.as_("alice")
    answer = _form(
        alice,
        "/console/settings",
        {"kpis": ["csat", "lost"], "groups": ["support"], "window": "5m"},
    )
    assert answer.status_code == 303
    page = alice.get("/console").text
    assert re.findall(r'data-kpi="(\w+)"', page) == ["lost", "csat", "lost", "csat"]  # all, support
    assert 'aria-current="true">5' in page


def test_thresholds_colour_the_tiles(center: Center) -> None:
    ada = center.as_("ada")
    answer = _form(
        ada,
        "/console/thresholds",
        {
            "kpi": "operators_online",
            "target": "all:",
            "warning": "1",
            "critical": "0",
            "worse": "lower",
        },
    )
    assert answer.status_code == 303
    page = ada.get("/console").text
    assert 'data-kpi="operators_online" data-zone="red"' not in page  # not chosen yet
    _form(ada, "/console/settings", {"kpis": ["operators_online"]})
    assert 'data-kpi="operators_online" data-zone="red"' in ada.get("/console").text
    wrong = _form(ada, "/console/thresholds", {"kpi": "lost", "warning": "5", "critical": "1"})
    assert "error=" in wrong.headers["location"]
    assert (
        _form(
            center.as_("alice"),
            "/console/thresholds",
            {"kpi": "lost", "warning": "1", "critical": "2"},
        ).status_code
        == 403
    )


def test_an_admin_sets_targets_and_hours_in_minutes(center: Center) -> None:
    ada = center.as_("ada")
    assert ada.get("/console/setup").status_code == 200
    assert center.as_("alice").get("/console/setup").status_code == 403
    data = {
        "group_id": "support",
        "chat_new": "2",
        "chat_unanswered": "-",
        "spec": "mon-fri 09:00-18:00",
    }
    assert _form(ada, "/console/setup", data).status_code == 303
    targets = ada.get("/api/v1/sla-targets").json()["targets"]
    assert targets == [
        {"group_id": "support", "medium": "chat", "new": 120, "unanswered": None, "answered": 1800}
    ]
    assert ada.get("/api/v1/business-hours").json() == [
        {"group_id": "support", "spec": "mon-fri 09:00-18:00"}
    ]
    bad = _form(ada, "/console/setup", {"group_id": "support", "spec": "someday"})
    assert "error=" in bad.headers["location"]
