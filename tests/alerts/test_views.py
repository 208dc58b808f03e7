"""The alert pages and ``GET /api/v1/alert-log`` with each role: the log with its filters and
deliveries, the rules list, the rule form (errors by the fields, nothing saved), enabling,
deleting, CSRF, escaping, Russian and English."""

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from dozor.alerts.models import AlertRule
from dozor.auth.models import User
from tests.alerts.logrows import fired
from tests.auth.personas import csrf_token
from tests.console.conftest import Center, center

__all__ = ["center"]  # the console tests' fixture: ada, alice (support), sam (sales), bob
XSS = "<script>alert(1)</script>"


def _seed_log(center: Center) -> dict[str, int]:
    """Rows about support, sales, an operator of support, one of both, and the company."""

    async def seed(session: Any) -> dict[str, int]:
        failed = {
            "channel": "webhook",
            "target": "https://crm.example.com/hook",
            "status": "failed",
            "attempts": 12,
            "error": "HTTP 500 <b>oops</b>",
        }
        sent = {"status": "sent", "attempts": 1, "sent_at": center.state.clock.now()}
        return {
            "support": await fired(session, minutes=1, deliveries=(sent, failed)),
            "sales": await fired(session, minutes=2, kind="red", scope_id="sales"),
            "bob": await fired(session, minutes=3, scope="operator", scope_id="op-bob"),
            "eve": await fired(session, minutes=4, scope="operator", scope_id="op-eve"),
            "company": await fired(
                session, minutes=5, kind="recovered", scope="all", scope_id="", rule_name=XSS
            ),
        }

    return center.run(seed)


def _rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-log="(\d+)"', html)]


def _form(client: TestClient, path: str, action: str | None = None, **fields: Any) -> Any:
    data = {"csrf_token": csrf_token(client, path), **fields}
    return client.post(action or path, data=data, follow_redirects=False)


def _count_rules(center: Center) -> int:
    async def count(session: Any) -> int:
        return await session.scalar(select(func.count()).select_from(AlertRule))

    return center.run(count)


# -- the log ----------------------------------------------------------------------------------


def test_the_log_page_by_role(center: Center) -> None:
    ids = _seed_log(center)
    everything = [ids[k] for k in ("company", "eve", "bob", "sales", "support")]
    assert _rows(center.as_("ada").get("/alerts").text) == everything
    assert _rows(center.as_("alice").get("/alerts").text) == [
        ids["eve"],
        ids["bob"],
        ids["support"],
    ]
    assert _rows(center.as_("sam").get("/alerts").text) == [ids["eve"], ids["sales"]]
    assert center.as_("bob").get("/alerts").status_code == 403
    anonymous = center.as_("anonymous").get("/alerts", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login")


def test_the_log_api_by_role(center: Center) -> None:
    ids = _seed_log(center)

    def listed(client: TestClient, **params: Any) -> list[int]:
        answer = client.get("/api/v1/alert-log", params=params)
        assert answer.status_code == 200, answer.text
        return [item["id"] for item in answer.json()["items"]]

    assert listed(center.token()) == [ids[k] for k in ("company", "eve", "bob", "sales", "support")]
    assert listed(center.as_("ada"), scope="all") == [ids["company"]]
    assert listed(center.as_("alice")) == [ids["eve"], ids["bob"], ids["support"]]
    assert listed(center.as_("sam"), kind="red") == [ids["sales"]]
    assert center.as_("bob").get("/api/v1/alert-log").status_code == 403
    assert center.as_("anonymous").get("/api/v1/alert-log").status_code == 401
    assert center.token().get("/api/v1/alert-log", params={"kind": "blue"}).status_code == 422
    assert center.token().get("/api/v1/alert-log", params={"cursor": "x"}).status_code == 400


def test_the_api_says_who_was_told_and_how_it_went(center: Center) -> None:
    ids = _seed_log(center)
    answer = center.as_("alice").get("/api/v1/alert-log", params={"scope_id": "support"})
    (item,) = answer.json()["items"]
    assert item["id"] == ids["support"]
    assert {k: item[k] for k in ("rule_name", "indicator", "scope", "scope_name", "kind")} == {
        "rule_name": "Ожидание в поддержке",
        "indicator": "max_wait_now",
        "scope": "group",
        "scope_name": "Поддержка",
        "kind": "yellow",
    }
    assert (item["value"], item["threshold"], item["at"]) == (75, 60, "2026-03-02T09:01:00Z")
    told = [
        (d["channel"], d["target"], d["status"], d["attempts"], d["error"], d["sent_at"])
        for d in item["deliveries"]
    ]
    assert told == [
        ("email", "alice@example.com", "sent", 1, None, "2026-03-02T09:00:00Z"),
        ("webhook", "https://crm.example.com/hook", "failed", 12, "HTTP 500 <b>oops</b>", None),
    ]


def test_pages_of_the_api_follow_the_cursor(center: Center) -> None:
    ids = _seed_log(center)
    token, seen, params = center.token(), [], {"limit": 2}
    while True:
        page = token.get("/api/v1/alert-log", params=params).json()
        seen += [i["id"] for i in page["items"]]
        if not page["next_cursor"]:
            break
        params["cursor"] = page["next_cursor"]
    assert seen == sorted(ids.values(), reverse=True)


def test_the_log_page_shows_each_row_and_escapes_what_it_shows(center: Center) -> None:
    ids = _seed_log(center)
    html = center.as_("ada").get("/alerts").text
    row = re.search(rf'<tr data-log="{ids["support"]}".*?</tr>', html, re.S)
    assert row is not None
    text = row.group(0)
    for expected in (
        "02.03.2026 12:01:00",  # the center's clock (Moscow)
        "Ожидание в поддержке",
        "Максимальное ожидание сейчас",
        "Группа: Поддержка",
        'class="alert-kind yellow"',
        "1:15",  # the value as the tile shows it
        "1:00",  # the threshold
        "02.03.2026 12:00:30",  # since
        "alice@example.com — отправлено\n",
        '<span class="time">02.03.2026 12:00:00</span>',  # when it was sent
        "(попыток: 12)",
        "https://crm.example.com/hook — не доставлено",
        "HTTP 500 &lt;b&gt;oops&lt;/b&gt;",
    ):
        assert expected in text, expected
    assert XSS not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    english = center.as_("ada").get("/alerts?lang=en").text
    assert "Alert log" in english and "Longest wait now" in english and "failed" in english


def test_the_page_filters_as_the_form_asks(center: Center) -> None:
    ids = _seed_log(center)
    ada = center.as_("ada")
    assert _rows(ada.get("/alerts?target=group:sales").text) == [ids["sales"]]
    assert _rows(ada.get("/alerts?target=all:").text) == [ids["company"]]
    assert _rows(ada.get("/alerts?kind=red&kind=recovered").text) == [ids["company"], ids["sales"]]
    assert _rows(ada.get("/alerts?zone=ok&indicator=max_wait_now").text) == [ids["company"]]
    assert _rows(ada.get("/alerts?from=2026-03-03").text) == []
    chosen = ada.get("/alerts?from=2026-03-02&to=2026-03-02&target=operator:op-bob&rule=&zone=")
    assert _rows(chosen.text) == [ids["bob"]]
    assert 'value="operator:op-bob" selected' in chosen.text
    wrong = ada.get("/alerts?from=yesterday&kind=blue")
    assert wrong.status_code == 422 and "from, kind" in wrong.text and _rows(wrong.text) == []
    assert 'value="all:"' not in center.as_("alice").get("/alerts").text  # not hers to filter


def test_the_next_page_link_keeps_the_filters(center: Center) -> None:
    _seed_log(center)
    ada = center.as_("ada")
    page = ada.get("/alerts?target=operator:op-bob&limit=1")
    assert _rows(page.text) and 'rel="next"' not in page.text
    first = ada.get("/alerts?kind=yellow&limit=2")
    link = re.search(r'rel="next" href="([^"]+)"', first.text)
    assert link is not None
    second = ada.get(link.group(1).replace("&amp;", "&"))
    assert len(_rows(first.text)) == 2 and len(_rows(second.text)) == 1
    assert "kind=yellow" in link.group(1)


def test_the_log_is_in_the_openapi_document(center: Center) -> None:
    document = center.token().get("/openapi.json").json()
    operation = document["paths"]["/api/v1/alert-log"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "rule", "indicator", "kind", "zone", "scope", "scope_id"} <= names
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/LogPageOut"}
    assert {"400", "403", "422"} <= set(operation["responses"])
    assert "/alerts" not in document["paths"]


def test_the_nav_links_to_alerts_for_supervisors_and_admins(center: Center) -> None:
    assert '<a href="/alerts">Оповещения</a>' in center.as_("alice").get("/console").text
    assert '<a href="/alerts">Alerts</a>' in center.as_("ada").get("/console?lang=en").text
    assert 'href="/alerts"' not in center.as_("bob").get("/conversations").text


# -- the rules --------------------------------------------------------------------------------


def _rule_form(**fields: Any) -> dict[str, Any]:
    values = {
        "name": "Поддержка: ожидание",
        "indicator": "max_wait_now",
        "window": "15m",
        "scope": "group",
        "group_ids": ["support"],
        "worse": "",
        "yellow": "60",
        "red": "120",
        "hysteresis": "5",
        "min_duration": "0",
        "repeat_every": "900",
        "email_addresses": "",
        "webhook_url": "",
        "enabled": "true",
    }
    return {**values, **fields}


def _create(client: TestClient, **fields: Any) -> int:
    answer = _form(client, "/alerts/rules/new", **_rule_form(**fields))
    assert answer.status_code == 303, answer.text
    return int(re.search(r"/alerts/rules/(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]


def _give_email(center: Center, username: str, email: str) -> int:
    async def change(session: Any) -> int:
        await session.execute(update(User).where(User.username == username).values(email=email))
        return await session.scalar(select(User.id).where(User.username == username))

    return center.run(change)


def test_a_supervisor_creates_a_rule_through_the_form(center: Center) -> None:
    alice_id = _give_email(center, "alice", "alice@example.com")
    alice = center.as_("alice")
    form = alice.get("/alerts/rules/new").text
    assert 'value="group:support"' not in form and 'name="group_ids"' in form
    assert ">Поддержка</option>" in form and ">Продажи</option>" not in form  # only hers
    assert ">Ева</option>" in form and 'value="all"' not in form  # no company rule for her
    assert "alice@example.com" in form and "(я)" in form
    rule_id = _create(
        alice,
        name="Самое долгое ожидание — Поддержка",
        email_user_ids=[str(alice_id)],
        email_addresses="duty@example.com, boss@example.com",
    )
    rule = center.as_("ada").get(f"/api/v1/alert-rules/{rule_id}").json()
    assert {k: rule[k] for k in ("scope", "scope_ids", "worse", "yellow", "red", "hysteresis")} == {
        "scope": "group",
        "scope_ids": ["support"],
        "worse": "higher",  # the indicator's own, the form left it to the indicator
        "yellow": 60,
        "red": 120,
        "hysteresis": 5,
    }
    assert rule["email_user_ids"] == [alice_id]
    assert rule["email_addresses"] == ["duty@example.com", "boss@example.com"]
    assert rule["created_by"] == alice_id and rule["enabled"] is True
    page = alice.get(f"/alerts/rules/{rule_id}?saved=1").text
    assert "Сохранено." in page and 'value="Самое долгое ожидание — Поддержка"' in page
    assert f'value="{alice_id}" checked' in page and "duty@example.com\nboss@example.com" in page
    listed = alice.get("/alerts/rules").text
    assert f'data-rule="{rule_id}"' in listed and "Группа: Поддержка" in listed
    assert '<option value="15m" selected>15 мин</option>' in page  # a window by its label
    assert "(15 мин)" in listed


def test_the_rules_are_their_scopes_own(center: Center) -> None:
    support = _create(center.as_("alice"))
    sales = _create(center.as_("sam"), name="Продажи", group_ids=["sales"])
    company = _create(center.as_("ada"), name="Компания", scope="all", group_ids=[])
    assert re.findall(r'data-rule="(\d+)"', center.as_("alice").get("/alerts/rules").text) == [
        str(support)
    ]
    listed = center.as_("ada").get("/alerts/rules").text
    assert {int(i) for i in re.findall(r'data-rule="(\d+)"', listed)} == {support, sales, company}
    assert center.as_("alice").get(f"/alerts/rules/{sales}").status_code == 404
    assert center.as_("alice").get(f"/alerts/rules/{company}").status_code == 404
    assert center.as_("bob").get("/alerts/rules").status_code == 403
    assert center.as_("bob").get("/alerts/rules/new").status_code == 403
    anonymous = center.as_("anonymous").get("/alerts/rules", follow_redirects=False)
    assert anonymous.status_code == 303
    # a forged form: a scope not hers is refused, and nothing is saved
    before = _count_rules(center)
    alice = center.as_("alice")
    assert _form(alice, "/alerts/rules/new", **_rule_form(group_ids=["sales"])).status_code == 403
    assert (
        _form(alice, "/alerts/rules/new", **_rule_form(scope="all", group_ids=[])).status_code
        == 403
    )
    assert _count_rules(center) == before


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"yellow": "120", "red": "60"}, "red", "red must not be below yellow"),
        ({"yellow": "", "red": ""}, "yellow", "a yellow level, a red level or both"),
        ({"yellow": "много"}, "yellow", "Not a number: много"),
        ({"name": "  "}, "name", "1 to 200 characters"),
        ({"group_ids": []}, "scope_ids", "1 to 200 groups or operators"),
        ({"min_duration": "-5"}, "min_duration", "Not a whole number of seconds: -5"),
        ({"min_duration": "99999999999"}, "min_duration", "At most 2592000 seconds"),
        ({"repeat_every": "10"}, "repeat_every", "60 seconds or more"),
        ({"email_addresses": "not-an-address"}, "email_addresses", "not-an-address"),
        ({"webhook_url": "ftp://x"}, "webhook_url", "http:// or https://"),
    ],
)
def test_a_bad_form_shows_the_error_by_its_field_and_saves_nothing(
    center: Center, fields: dict[str, Any], field: str, message: str
) -> None:
    alice = center.as_("alice")
    answer = _form(alice, "/alerts/rules/new", "/alerts/rules/new?lang=en", **_rule_form(**fields))
    assert answer.status_code == 422
    shown = re.search(r'class="field-error" role="alert" data-field="(\w+)">([^<]*)', answer.text)
    assert shown is not None and shown.group(1) == field
    assert message in shown.group(2), shown.group(2)
    assert "Nothing was saved" in answer.text
    assert _count_rules(center) == 0


def test_the_form_keeps_what_was_typed_after_an_error(center: Center) -> None:
    answer = _form(
        center.as_("alice"),
        "/alerts/rules/new",
        **_rule_form(name=XSS, yellow="120", red="60", email_addresses="a@example.com"),
    )
    assert answer.status_code == 422
    assert XSS not in answer.text and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in answer.text
    assert ">a@example.com</textarea>" in answer.text and 'value="support" selected' in answer.text


def test_a_webhook_gets_a_secret_shown_on_its_page(center: Center) -> None:
    alice = center.as_("alice")
    rule_id = _create(alice, webhook_url="https://crm.example.com/hook")
    page = alice.get(f"/alerts/rules/{rule_id}?saved=1").text
    secret = re.search(r'<code class="secret" id="webhook-secret">([0-9a-f]{64})</code>', page)
    assert secret is not None
    # saving again keeps it; the API shows the same key
    again = _rule_form(webhook_url="https://crm.example.com/hook")
    assert _form(alice, f"/alerts/rules/{rule_id}", **again).status_code == 303
    assert alice.get(f"/api/v1/alert-rules/{rule_id}").json()["webhook_secret"] == secret.group(1)


def test_a_rule_is_changed_switched_off_and_on_and_deleted(center: Center) -> None:
    alice = center.as_("alice")
    rule_id = _create(alice, name=XSS)
    listed = alice.get("/alerts/rules").text
    assert XSS not in listed and "&lt;script&gt;" in listed
    changed = _form(alice, f"/alerts/rules/{rule_id}", **_rule_form(name="Новое имя", red="180"))
    assert changed.status_code == 303
    assert alice.get(f"/api/v1/alert-rules/{rule_id}").json()["red"] == 180
    off = _form(alice, "/alerts/rules", f"/alerts/rules/{rule_id}/enabled", enabled="false")
    assert off.status_code == 303
    assert alice.get(f"/api/v1/alert-rules/{rule_id}").json()["enabled"] is False
    assert "(выкл.)" in alice.get("/alerts/rules").text
    _form(alice, "/alerts/rules", f"/alerts/rules/{rule_id}/enabled", enabled="true")
    assert alice.get(f"/api/v1/alert-rules/{rule_id}").json()["enabled"] is True
    confirm = alice.get(f"/alerts/rules/{rule_id}/delete")
    assert confirm.status_code == 200 and "Удалить правило Новое имя?" in confirm.text
    assert _count_rules(center) == 1  # asking is not deleting
    gone = _form(alice, f"/alerts/rules/{rule_id}/delete")
    assert gone.status_code == 303 and _count_rules(center) == 0
    assert center.as_("sam").get(f"/alerts/rules/{rule_id}/delete").status_code == 404


def test_changes_need_the_forms_csrf_token(center: Center) -> None:
    alice = center.as_("alice")
    rule_id = _create(alice)
    no_token = {k: v for k, v in _rule_form().items()}
    fresh = TestClient(center.client.app)
    fresh.portal = center.client.portal
    fresh.cookies = alice.cookies
    assert fresh.post("/alerts/rules/new", data=no_token).status_code == 403
    assert fresh.post(f"/alerts/rules/{rule_id}/delete").status_code == 403
    assert (
        fresh.post(f"/alerts/rules/{rule_id}/enabled", data={"enabled": "false"}).status_code == 403
    )
    assert _count_rules(center) == 1


def test_the_rule_pages_are_russian_and_english(center: Center) -> None:
    alice = center.as_("alice")
    assert "Правила оповещений" in alice.get("/alerts/rules").text
    english = alice.get("/alerts/rules/new?lang=en").text
    assert (
        "New alert rule" in english and "Who is told" in english and "Longest wait now" in english
    )
