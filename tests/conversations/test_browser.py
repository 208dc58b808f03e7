"""The dialog list in Debian's Chromium: a supervisor chooses columns, sorts, filters, opens a
conversation, closes it, transfers several, exports, and sees the changes; nothing a client
typed runs in the page."""

from typing import Any

from playwright.sync_api import expect

from dozor.auth import service as auth_service
from dozor.auth.models import UserGroup
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup
from tests.auth.personas import PASSWORD
from tests.browser import LiveServer
from tests.conversations.dialogs import chat
from tests.factories import Script


def _push(live: LiveServer, *scripts: Script) -> None:
    events = [event for script in scripts for event in script.events]

    async def submit() -> Any:
        return await live.app.state.writer.submit(events)

    live.call(submit)


def _people(live: LiveServer) -> None:
    async def create(session: Any) -> None:
        session.add_all(
            [
                Group(id="support", name="Поддержка"),
                Group(id="sales", name="Продажи"),
                Operator(id="op-bob", name="Борис Орлов"),
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
            clock=live.app.state.clock,
        )
        session.add(UserGroup(user_id=alice.id, group_id="support"))

    live.run(create)


def _log_in(page: Any, live: LiveServer, username: str = "alice") -> None:
    page.goto(f"{live.url}/login?next=/conversations")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/conversations")


def _ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "table.dialogs tbody tr[data-id]", "rows => rows.map(r => r.dataset.id)"
    )


def _headers(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "table.dialogs th[data-column]", "ths => ths.map(t => t.dataset.column)"
    )


def test_choose_columns_sort_filter_open_and_close(live_server: LiveServer, page: Any) -> None:
    _people(live_server)
    _push(
        live_server,
        chat("c1", client="Борис", text="Где заказ?"),
        chat("c2", at=1, client="Анна", operator="op-bob", answer_after=20),
        chat("c3", at=2, client="Вера", text="Спасибо"),
    )
    _log_in(page, live_server)
    assert _ids(page) == ["c3", "c2", "c1"]

    # columns: hide the medium, move the client up two places
    page.click("details.columns-chooser > summary")
    page.uncheck("li[data-column=medium] input[type=checkbox]")
    page.click("li[data-column=client_name] button[value='client_name:up']")
    page.click("details.columns-chooser > summary")
    page.click("li[data-column=client_name] button[value='client_name:up']")
    headers = _headers(page)
    assert "medium" not in headers
    assert headers.index("client_name") < headers.index("group_id")

    # sort by the client's name, then the other way
    page.click("th[data-column=client_name] a")
    assert _ids(page) == ["c2", "c1", "c3"]  # Анна, Борис, Вера
    page.click("th[data-column=client_name] a")
    assert _ids(page) == ["c3", "c1", "c2"]

    # filter: free text in a message
    page.click("details.filter > summary")
    page.fill("input[name=q]", "ЗАКАЗ")
    page.click("form.filter-form button.primary")
    assert _ids(page) == ["c1"]
    expect(page.locator("#summary")).to_contain_text("Найдено: 1")  # loaded after the rows

    # open it and close it
    page.click("tr[data-id=c1] td.menu a")
    page.wait_for_url("**/conversations/c1")
    assert "Где заказ?" in page.inner_text("section.history")
    page.click("section.actions button:has-text('Завершить')")
    assert "Диалог № 1 завершен." in page.inner_text("p.flash.ok")
    assert "Диалог завершен" in page.inner_text("h1")
    assert "Алиса" in page.inner_text("section.audit")


def test_transfer_several_and_export(live_server: LiveServer, page: Any) -> None:
    _people(live_server)
    _push(live_server, *(chat(f"c{n}", at=n, client=f"Клиент {n}") for n in range(1, 4)))
    _log_in(page, live_server)
    page.check("tr[data-id=c1] input[name=ids]")
    page.check("tr[data-id=c3] input[name=ids]")
    page.select_option("form#bulk select[name=action]", "transfer")
    page.select_option("form#bulk select[name=target]", "operator:op-bob")
    page.click("form#bulk button")
    flashes = page.inner_text("body")
    assert "Диалог № 1 переадресован." in flashes and "Диалог № 3 переадресован." in flashes
    operators = {
        cid: page.inner_text(f"tr[data-id={cid}] td:nth-child(7)") for cid in ("c1", "c2", "c3")
    }
    assert operators == {"c1": "Борис Орлов", "c2": "—", "c3": "Борис Орлов"}

    # export with its progress, then the file
    page.click("form.export button[value=csv]")
    link = page.wait_for_selector("#export a.download")
    assert "Выгружено строк: 3 из 3." in page.inner_text("#export")
    with page.expect_download() as download:
        link.click()
    text = open(download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    assert text.count("\n") == 4 and "Клиент 2" in text


def test_nothing_a_client_typed_runs_in_the_page(live_server: LiveServer, page: Any) -> None:
    _people(live_server)
    _push(
        live_server,
        chat(
            "x",
            client="<script>alert('name')</script>",
            text="<img src=x onerror=\"alert('text')\"><script>alert('message')</script>",
        ),
    )
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    _log_in(page, live_server)
    assert "<script>alert('name')</script>" in page.inner_text("tr[data-id=x]")
    page.click("tr[data-id=x] td.menu a")
    page.wait_for_url("**/conversations/x")
    assert "onerror" in page.inner_text("section.history")  # shown as text
    page.goto(f"{live_server.url}/")
    page.wait_for_timeout(300)
    assert dialogs == []
