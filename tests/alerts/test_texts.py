"""The alert e-mail in Russian and in English: what it says for each kind of notification."""

from datetime import timedelta
from typing import Any

from dozor.alerts import texts
from dozor.alerts.models import AlertLog
from dozor.config import Settings
from dozor.lib import i18n
from tests.factories import T0  # 09:00 UTC: 12:00 in Moscow

TRANSLATIONS = i18n.load()


def _log(**fields: Any) -> AlertLog:
    values: dict[str, Any] = {
        "rule_name": "Ожидание в поддержке",
        "indicator": "max_wait_now",
        "window": "5m",
        "scope": "group",
        "scope_id": "support",
        "kind": "red",
        "zone_from": "yellow",
        "zone_to": "red",
        "value": 125.0,
        "threshold": 120.0,
        "since": T0,
        "at": T0 + timedelta(seconds=5),
        **fields,
    }
    return AlertLog(**values)


def _email(language: str, scope_name: str | None = "Поддержка", **fields: Any) -> list[str]:
    subject, text = texts.email(
        log=_log(**fields),
        scope_name=scope_name,
        language=language,
        settings=Settings(),
        gettext=TRANSLATIONS[language].gettext,
    )
    return [subject, *text.splitlines()]


def test_a_red_zone_in_russian() -> None:
    assert _email("ru") == [
        "[Dozor] Красная зона: Максимальное ожидание сейчас — Поддержка",
        "Показатель «Максимальное ожидание сейчас» в красной зоне.",
        "",
        "Значение: 2:05",
        "Красный уровень: 2:00",
        "Область: группа Поддержка",
        "Период: 5 мин",
        "С момента: 02.03.2026 12:00:00 (Europe/Moscow)",
        "Правило: Ожидание в поддержке",
        "",
        "Открыть консоль: http://127.0.0.1:8000/console?g=support&w=5m",
    ]


def test_a_yellow_zone_in_english() -> None:
    lines = _email("en", kind="yellow", zone_from="ok", zone_to="yellow", value=75, threshold=60)
    assert lines == [
        "[Dozor] Yellow zone: Longest wait now — Поддержка",
        "Longest wait now has entered the yellow zone.",
        "",
        "Value: 1:15",
        "Yellow level: 1:00",
        "Scope: group Поддержка",
        "Window: 5 min",
        "Since: 2026-03-02 12:00:00 (Europe/Moscow)",
        "Rule: Ожидание в поддержке",
        "",
        "Open the console: http://127.0.0.1:8000/console?g=support&w=5m",
    ]


def test_a_repetition_says_since_when_it_is_still_red() -> None:
    ru = _email("ru", kind="repeat", zone_from="red")
    assert ru[0] == "[Dozor] Все еще красная зона: Максимальное ожидание сейчас — Поддержка"
    assert ru[1] == (
        "Показатель «Максимальное ожидание сейчас» все еще в красной зоне, с 02.03.2026 12:00:00."
    )
    en = _email("en", kind="repeat", zone_from="red")
    assert en[0] == "[Dozor] Still red: Longest wait now — Поддержка"
    assert en[1] == "Longest wait now is still red since 2026-03-02 12:00:00."
    assert "Red level: 2:00" in en


def test_a_recovery_names_the_level_it_went_back_past() -> None:
    en = _email("en", kind="recovered", zone_from="red", zone_to="ok", value=30)
    assert en[0] == "[Dozor] Back to normal: Longest wait now — Поддержка"
    assert en[1] == "Longest wait now is back to normal."
    assert en[3:5] == ["Value: 0:30", "Red level: 2:00"]
    ru = _email("ru", kind="recovered", zone_from="yellow", zone_to="ok", value=30, threshold=60)
    assert ru[0] == "[Dozor] Снова норма: Максимальное ожидание сейчас — Поддержка"
    assert ru[1] == "Показатель «Максимальное ожидание сейчас» вернулся в норму."
    assert ru[4] == "Желтый уровень: 1:00"


def test_the_company_an_operator_percentages_and_today() -> None:
    lines = _email(
        "ru", None, scope="all", scope_id="", indicator="lost_pct", window="today", value=12.4
    )
    assert lines[0] == "[Dozor] Красная зона: Потерянные, % — Все группы"
    assert "Значение: 12" in lines and "Область: Все группы" in lines
    assert "Период: Сегодня" in lines
    assert lines[-1] == "Открыть консоль: http://127.0.0.1:8000/console?w=today"
    en = _email("en", "Боб", scope="operator", scope_id="op-bob", value=None)
    assert "Scope: operator Боб" in en and "Value: —" in en
    assert en[-1] == "Open the console: http://127.0.0.1:8000/console?op=op-bob&w=5m"


def test_the_link_uses_the_public_address() -> None:
    settings = Settings(base_url="https://dozor.center.example/")
    link = texts.console_link(settings, scope="group", scope_id="sales & co", window="15m")
    assert link == "https://dozor.center.example/console?g=sales+%26+co&w=15m"
