"""In Debian's Chromium: a supervisor sets "longest wait now of Support: yellow at 60 s, red at
120 s, e-mail me" through the form; as the queue's wait grows on the test's clock, the console
shows the alert in its banner (with a beep) and the Support tile turns yellow, then red; the
alert log lists both with the e-mails that went out to a real SMTP server on loopback."""

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr

from dozor.auth import service as auth_service
from dozor.auth.models import UserGroup
from dozor.config import Settings
from dozor.console import panel
from dozor.console.models import ConsolePreference
from dozor.directory.models import Group
from dozor.live import loader
from dozor.operators.models import Operator, OperatorGroup
from tests.auth.personas import PASSWORD
from tests.browser import LiveServer, browser, live_server, page
from tests.metrics.scenarios import inbound
from tests.tasks.smtp import SmtpServer

__all__ = ["browser", "live_server", "page"]  # the fixtures this module uses
ZONE_CHANGE = 15_000  # ms: the next evaluation and KPI refresh after the clock moves


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


@pytest.fixture
def live_settings(sqlite_template: Path, tmp_path: Path, smtp: SmtpServer) -> Settings:
    """A fresh database; e-mail to the loopback SMTP server, deliveries looked for often."""
    shutil.copy(sqlite_template, tmp_path / "dozor.sqlite3")
    return Settings(
        data_dir=tmp_path,
        secret_key=SecretStr("test-secret"),
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_starttls=False,
        alert_interval=0.5,
        alert_delivery_interval=0.2,
    )


def _center(live: LiveServer) -> str:
    """Support and Sales, Boris in Support, alice supervising Support (an e-mail, the beep on,
    Support's longest wait on her KPI panel: her own row is Support's); the integration's
    token."""

    async def create(session: Any) -> str:
        session.add_all(
            [
                Group(id="support", name="Поддержка"),
                Group(id="sales", name="Продажи"),
                Operator(id="op-bob", name="Борис"),
            ]
        )
        await session.flush()
        session.add(OperatorGroup(operator_id="op-bob", group_id="support"))
        alice = await auth_service.create_user(
            session,
            username="alice",
            password=PASSWORD,
            role="supervisor",
            name="Алиса",
            email="alice@example.com",
            clock=live.clock,
        )
        session.add(UserGroup(user_id=alice.id, group_id="support"))
        chosen = {"kpis": ["max_wait_now", "in_queue"], "sound": True}
        session.add(ConsolePreference(user_id=alice.id, value=chosen))
        return await auth_service.create_token(session, name="crm", clock=live.clock)

    token = live.run(create)

    async def reread() -> None:
        async with live.app.state.sessions() as session:
            await loader.load_directory(session, live.app.state.live.state)

    live.call(reread)
    return token


def _log_in(page: Page, live: LiveServer) -> None:
    page.goto(f"{live.url}/login?next=/alerts/rules/new")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/alerts/rules/new")


def test_a_supervisors_rule_turns_the_tile_yellow_then_red_and_mails_her(
    live_server: LiveServer, page: Page, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(panel, "STALE", 1.0)  # the waits grow with the test's clock alone
    token = _center(live_server)
    _log_in(page, live_server)

    # the form, as she would fill it
    page.fill("input[name=name]", "Самое долгое ожидание — Поддержка")
    page.select_option("select[name=indicator]", "max_wait_now")
    page.check("input[name=scope][value=group]")
    page.select_option("select[name=group_ids]", ["support"])
    page.fill("input[name=yellow]", "60")
    page.fill("input[name=red]", "120")
    page.get_by_label("Алиса <alice@example.com> (я)").check()
    page.click("button.primary")
    expect(page.locator(".flash.ok")).to_have_text("Сохранено.")
    page.click("text=Правила оповещений")
    expect(page.locator("table.alert-rules tbody tr")).to_have_count(1)

    # a chat waits in Support's queue from now on
    waiting = inbound("c1", medium="chat", group="support").events
    answer = page.request.post(
        f"{live_server.url}/api/v1/events",
        data=[e.model_dump(mode="json") for e in waiting],
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status == 200, answer.text()
    page.goto(f"{live_server.url}/console")
    expect(page.locator(".console")).to_have_attribute("data-connection", "open")
    page.mouse.click(5, 5)  # a click lets the page play its beep
    tile = page.locator('#block-kpis .kpi-row[data-kind="group"] .tile[data-kpi="max_wait_now"]')
    banner = page.locator("#block-alerts")
    expect(tile).to_have_attribute("data-zone", "ok")
    expect(banner.locator("li")).to_have_count(0)
    expect(banner).to_be_hidden()

    live_server.clock.advance(75)
    expect(tile).to_have_attribute("data-zone", "yellow", timeout=ZONE_CHANGE)
    expect(banner.locator("li")).to_have_count(1, timeout=ZONE_CHANGE)
    entry = banner.locator('li[data-zone="yellow"]')
    expect(entry).to_contain_text("Желтая зона")
    expect(entry).to_contain_text("Максимальное ожидание сейчас")
    expect(entry).to_contain_text("Поддержка")
    expect(banner).to_have_attribute("data-beeps", "1")

    live_server.clock.advance(60)
    expect(tile).to_have_attribute("data-zone", "red", timeout=ZONE_CHANGE)
    expect(banner.locator('li[data-zone="red"]')).to_contain_text("2:15", timeout=ZONE_CHANGE)
    expect(banner.locator("li")).to_have_count(1)
    expect(banner).to_have_attribute("data-beeps", "2")
    assert tile.evaluate("t => getComputedStyle(t).backgroundColor") == "rgb(253, 236, 234)"
    page.wait_for_timeout(1500)  # redraws that bring no new alert do not beep
    expect(banner).to_have_attribute("data-beeps", "2")

    # the log: both, with the e-mail each sent her
    deadline = time.monotonic() + ZONE_CHANGE / 1000
    while len(smtp.messages) < 2:
        assert time.monotonic() < deadline, "the e-mails did not arrive"
        time.sleep(0.05)
    assert [m["To"] for m in smtp.messages] == ["alice@example.com", "alice@example.com"]
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == [
        "[Dozor] Желтая зона",
        "[Dozor] Красная зона",
    ]
    page.wait_for_timeout(500)  # the worker marks them sent right after the server's answer
    banner.locator("a", has_text="В журнале").click()
    rows = page.locator("table.alert-log tbody tr[data-log]")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_have_attribute("data-kind", "red")
    expect(rows.nth(1)).to_have_attribute("data-kind", "yellow")
    for n in (0, 1):
        expect(rows.nth(n).locator(".alert-deliveries li")).to_contain_text(
            "alice@example.com — отправлено"
        )
