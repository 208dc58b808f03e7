"""Exports of the filtered list: CSV streamed, XLSX built and streamed, and the page's export
job with its progress."""

import csv
import io
import re
import time
import zipfile

from tests.conversations.conftest import Staff
from tests.conversations.dialogs import chat


def _rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())  # so spreadsheets read Cyrillic as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def test_csv_holds_the_filtered_list_in_the_columns_asked(staff: Staff) -> None:
    staff.push(
        chat("a", client="Анна", operator="op-bob", answer_after=44.5),
        chat("b", at=1, client='=HYPERLINK("http://evil")'),
        chat("c", at=2, group="sales", client="Сергей"),
    )
    ada = staff.as_("ada")
    answer = ada.get(
        "/api/v1/conversations/export",
        params=[
            ("group", "support"),
            ("sort", "number"),
            ("dir", "asc"),
            ("columns", "number"),
            ("columns", "client_name"),
            ("columns", "group_id"),
            ("columns", "detailed_status"),
            ("columns", "created_at"),
            ("columns", "wait_first_answer"),
            ("lang", "ru"),
        ],
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert 'filename="conversations.csv"' in answer.headers["content-disposition"]
    header, first, second = _rows(answer.content)
    assert header == [
        "№",
        "Клиент",
        "Открытая линия",
        "Статус (детальный)",
        "Дата создания",
        "Ожидание ответа оператора",
    ]
    assert first == [
        "1",
        "Анна",
        "Поддержка",
        "Оператор ответил клиенту",
        "2026-03-02 12:00:00",
        "45.5",
    ]
    assert second[1] == '\'=HYPERLINK("http://evil")'  # never a formula in a spreadsheet
    english = ada.get("/api/v1/conversations/export?columns=detailed_status&lang=en&group=sales")
    assert _rows(english.content) == [
        ["Detailed status"],
        ["Operator sent the conversation to a queue"],
    ]


def test_csv_streams_every_page_of_a_long_list(staff: Staff, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from dozor.conversations import export

    monkeypatch.setattr(export, "BATCH", 3)
    staff.push(*(chat(f"c{n}", at=n) for n in range(10)))
    rows = _rows(staff.token().get("/api/v1/conversations/export?columns=number").content)
    assert [r[0] for r in rows[1:]] == [str(n) for n in range(10, 0, -1)]


def test_xlsx_is_a_workbook_with_numbers_and_dates(staff: Staff) -> None:
    staff.push(chat("a", client="Анна", operator="op-bob", answer_after=30))
    answer = staff.token().get(
        "/api/v1/conversations/export",
        params=[
            ("format", "xlsx"),
            ("columns", "client_name"),
            ("columns", "created_at"),
            ("columns", "wait_first_answer"),
        ],
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = zipfile.ZipFile(io.BytesIO(answer.content))
    sheet = book.read("xl/worksheets/sheet1.xml").decode()
    strings = (
        book.read("xl/sharedStrings.xml").decode()
        if "xl/sharedStrings.xml" in book.namelist()
        else sheet
    )
    assert "Анна" in strings and "Клиент" in strings
    assert "<v>31</v>" in sheet  # seconds, a number
    assert re.search(r"<v>46083\.5", sheet)  # 2026-03-02 12:00 as an Excel serial date


def test_the_page_exports_as_a_job_and_shows_its_progress(staff: Staff) -> None:
    staff.push(*(chat(f"c{n}", at=n, group="support") for n in range(5)), chat("x", group="sales"))
    alice = staff.as_("alice")
    started = alice.post(
        "/conversations/exports",
        data={"format": "csv", "query": "active=true&sort=number&dir=asc"},
        headers={"HX-Request": "true"},
    )
    assert started.status_code == 200
    assert "<html" not in started.text
    job = re.search(
        r'hx-get="/conversations/exports/([0-9a-f]+)" hx-trigger="every 500ms"', started.text
    )
    assert job, started.text
    for _ in range(100):
        progress = alice.get(f"/conversations/exports/{job.group(1)}").text
        if "Скачать" in progress:
            break
        time.sleep(0.05)
    assert "Выгружено строк: 5 из 5." in progress
    assert "hx-trigger" not in progress  # finished: the polling stops
    download = alice.get(f"/conversations/exports/{job.group(1)}/file")
    rows = _rows(download.content)
    assert [r[0] for r in rows[1:]] == ["1", "2", "3", "4", "5"]  # alice's columns, her sort
