"""The console's alert banner and tiles coloured by alert rules: what each user's console draws
as the rules are judged on the test's clock; the sound preference."""

import re
from dataclasses import dataclass
from typing import Any

import pytest

from dozor.alerts import tiles
from dozor.alerts.judge import Levels
from dozor.console import views, zones
from dozor.console.models import Threshold
from tests.alerts.center import AlertCenter, center_fixture  # noqa: F401


def _banner(html: str) -> list[str]:
    """``rule:scope:zone`` of each alert the banner lists, in order."""
    block = re.search(r'<section class="alert-banner".*?</section>', html, re.S)
    assert block is not None
    return re.findall(r'data-alert="([^"]+)"', block.group(0))


def _tile(html: str, kind: str, kpi: str) -> str:
    """The zone of the tile of ``kpi`` in the first KPI row of ``kind``."""
    row = re.search(rf'<div class="kpi-row" data-kind="{kind}">.*?</div>\s*</div>', html, re.S)
    assert row is not None, kind
    zone = re.search(rf'data-kpi="{kpi}" data-zone="(\w+)"', row.group(0))
    assert zone is not None, kpi
    return zone.group(1)


def _watch(center: AlertCenter, who: str, **chosen: Any) -> None:
    answer = center.as_(who).put("/api/v1/console/preferences", json=chosen)
    assert answer.status_code == 200, answer.text


def test_the_banner_lists_the_alerts_of_the_users_scopes(center: AlertCenter) -> None:
    support = center.rule(
        name="<b>Очередь</b> поддержки", indicator="max_wait_now", scope_ids=["support"],
        yellow=60, red=120,
    )  # fmt: skip
    sales = center.rule(
        name="Sales wait", indicator="max_wait_now", scope_ids=["sales"], yellow=60, red=120
    )
    company = center.rule(name="Queue", indicator="in_queue", scope="all", yellow=2, red=5)
    center.queue("c1", "support", seconds=0)
    center.queue("c2", "sales", seconds=50)
    center.advance(130)  # support has waited 2:10 (red), sales 1:20 (yellow)
    center.evaluate()
    alice = center.as_("alice").get("/console").text
    assert _banner(alice) == [f"{support}:support:red"]
    assert _banner(center.as_("sam").get("/console").text) == [f"{sales}:sales:yellow"]
    everything = _banner(center.as_("ada").get("/console").text)
    assert everything[0] == f"{support}:support:red"
    assert set(everything[1:]) == {f"{sales}:sales:yellow", f"{company}::yellow"}
    entry = re.search(r'<li class="red" data-alert=.*?</li>', alice, re.S)
    assert entry is not None
    for text in (  # alice reads English
        "Red zone",
        "Longest wait now",
        "Support",
        "2:10",
        "since 2026-03-02 12:02:10",  # since the zone was entered, on the center's clock
        "&lt;b&gt;Очередь&lt;/b&gt; поддержки",
        f'href="/alerts?rule={support}"',
    ):
        assert text in entry.group(0), text
    assert "<b>Очередь</b>" not in alice
    russian = center.as_("ada").get("/console").text
    assert "Желтая зона" in russian and "Максимальное ожидание сейчас" in russian


def test_no_alert_no_banner_entry(center: AlertCenter) -> None:
    center.rule(indicator="max_wait_now", scope_ids=["support"], yellow=60)
    center.queue("c1", "support")
    center.advance(30)
    center.evaluate()
    assert _banner(center.as_("alice").get("/console").text) == []


def test_the_stream_sends_the_banner(center: AlertCenter, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "LIFETIME", 0.5)
    rule = center.rule(indicator="in_queue", scope_ids=["support"], red=1)
    center.queue("c1", "support")
    center.evaluate()
    stream = center.as_("alice").get("/console/stream").text
    event = re.search(r"event: alerts\n(.*?)\n\n", stream, re.S)
    assert event is not None and f'data-alert="{rule}:support:red"' in event.group(1)


def test_a_rule_colours_the_tile_of_its_scope_yellow_then_red(center: AlertCenter) -> None:
    _watch(center, "alice", kpis=["max_wait_now", "lost"], groups=["support"], window="15m")
    center.rule(indicator="max_wait_now", scope_ids=["support"], yellow=60, red=120)
    center.rule(indicator="lost", window="60m", scope_ids=["support"], yellow=0)
    center.queue("c1", "support", seconds=0)
    center.advance(75)
    center.evaluate()
    page = center.as_("alice").get("/console").text
    assert _tile(page, "group", "max_wait_now") == "yellow"
    # her own row is Support's (the one group she supervises); the admin's is the company's
    assert page.count('<div class="kpi-row" data-kind="group">') == 2
    assert _tile(center.as_("ada").get("/console").text, "all", "max_wait_now") == "ok"
    assert _tile(page, "group", "lost") == "ok"  # its rule watches another window
    center.advance(60)
    center.evaluate()
    assert _tile(center.as_("alice").get("/console").text, "group", "max_wait_now") == "red"
    assert _tile(center.as_("alice").get("/console?w=60m").text, "group", "lost") == "yellow"


def test_a_threshold_of_the_same_scope_wins_over_a_rule(center: AlertCenter) -> None:
    _watch(center, "alice", kpis=["max_wait_now"], groups=["support"])
    center.rule(indicator="max_wait_now", scope_ids=["support"], yellow=60, red=120)

    async def threshold(session: Any) -> None:
        session.add(
            Threshold(
                kpi="max_wait_now",
                scope="group",
                scope_id="support",
                warning=100,
                critical=200,
                worse="higher",
            )
        )

    center.run(threshold)
    center.call(lambda: views.reload_thresholds(center.client.app))
    center.queue("c1", "support", seconds=0)
    center.advance(75)
    center.evaluate()
    assert _tile(center.as_("alice").get("/console").text, "group", "max_wait_now") == "ok"


@dataclass(frozen=True)
class Rule:
    """What ``tiles.levels`` reads of a rule the evaluator watches."""

    id: int
    indicator: str
    window: str
    scope: str
    scope_ids: tuple[str, ...]
    levels: Levels


def rule(rule_id: int, indicator: str, window: str, scope: str, *ids: str, **level: Any) -> Rule:
    levels = Levels(level.get("yellow"), level.get("red"), level.get("worse", "higher"))
    return Rule(rule_id, indicator, window, scope, ids, levels)


def test_tile_levels_take_rules_where_no_threshold_is_set() -> None:

    own = zones.Rule("max_wait_now", "group", "support", zones.Level(100, 200))
    found = tiles.levels(
        [own],
        [
            rule(3, "max_wait_now", "5m", "group", "support", "sales", yellow=60, red=120),
            rule(1, "lost", "5m", "all", "", yellow=1, red=3),
            rule(2, "lost", "5m", "all", "", yellow=5, red=9),  # the older rule wins
            rule(4, "lost_pct", "15m", "group", "sales", red=10),  # another window
            rule(5, "in_queue", "60m", "operator", "op-bob", yellow=2),  # "now": any window
        ],
        "5m",
    )
    assert found == [
        own,
        zones.Rule("lost", "all", "", zones.Level(1, 3)),
        zones.Rule("max_wait_now", "group", "sales", zones.Level(60, 120)),
        zones.Rule("in_queue", "operator", "op-bob", zones.Level(2, float("inf"))),
    ]
    only_red = tiles.levels(
        [], [rule(1, "service_level", "5m", "all", "", red=80, worse="lower")], "5m"
    )
    assert zones.zone(85, only_red[0].level) == "ok" and zones.zone(79, only_red[0].level) == "red"


def test_the_sound_is_a_choice_of_each_user(center: AlertCenter) -> None:
    alice = center.as_("alice")
    assert 'data-sound="0"' in alice.get("/console").text
    assert 'name="sound"' in alice.get("/console/settings").text
    settings = alice.get("/console/settings").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', settings)
    assert token is not None
    saved = alice.post(
        "/console/settings",
        data={"csrf_token": token.group(1), "kpis": ["in_queue"], "sound": "true"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert 'data-sound="1"' in alice.get("/console").text
    assert 'name="sound" value="true" checked' in alice.get("/console/settings").text
    assert alice.get("/api/v1/console/preferences").json()["sound"] is True
    assert 'data-sound="0"' in center.as_("ada").get("/console").text
