from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

from dozor.lib import i18n

ROOT = Path(__file__).parents[2]


def _used_msgids() -> set[str]:
    """Every msgid of the code and the templates, found by Babel as ``pybabel extract`` does."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    found = extract_from_dir(ROOT / "dozor", method_map, options_map)
    return {msgid if isinstance(msgid, str) else msgid[0] for _, _, msgid, _, _ in found}


def test_every_message_has_a_russian_translation() -> None:
    used = _used_msgids()
    assert "Log out" in used and "Spam / forced close" in used  # templates and code both seen
    catalog = i18n.read_catalog("ru")
    missing = sorted(m for m in used if not (entry := catalog.get(m)) or not entry.string)
    assert missing == []
    fuzzy = sorted(m.id for m in catalog if m.id and m.fuzzy)
    assert fuzzy == []


def test_the_catalogs_hold_no_forgotten_messages() -> None:
    used = _used_msgids()
    for language in i18n.LANGUAGES:
        stale = sorted(m.id for m in i18n.read_catalog(language) if m.id and m.id not in used)
        assert stale == [], language


def test_translations_are_loaded_from_the_po_files() -> None:
    translations = i18n.load()
    assert translations["ru"].gettext("Log out") == "Выйти"
    assert translations["ru"].gettext("Conversation closed") == "Диалог завершен"
    assert translations["en"].gettext("Log out") == "Log out"
    assert translations["ru"].gettext("not in any catalog") == "not in any catalog"


def test_fuzzy_entries_are_not_used(tmp_path: Path) -> None:
    for language in i18n.LANGUAGES:
        path = i18n.catalog_path(language, tmp_path)
        path.parent.mkdir(parents=True)
        path.write_text(
            'msgid "Log out"\nmsgstr "Выйти"\n\n#, fuzzy\nmsgid "Log in"\nmsgstr "Вход?"\n'
        )
    ru = i18n.load(tmp_path)["ru"]
    assert ru.gettext("Log out") == "Выйти"
    assert ru.gettext("Log in") == "Log in"


@pytest.mark.parametrize(
    ("candidates", "expected"),
    [
        (("en", "ru"), "en"),
        ((None, "en"), "en"),
        (("de", None), "ru"),
        ((None, None), "ru"),
        (("", "xx"), "ru"),
    ],
)
def test_the_first_known_language_wins(candidates: tuple[str | None, ...], expected: str) -> None:
    assert i18n.choose(*candidates, default="ru") == expected


def test_times_are_shown_on_the_centers_clock() -> None:
    moment = datetime(2026, 3, 2, 9, 0, 5, tzinfo=UTC)
    moscow = ZoneInfo("Europe/Moscow")
    assert i18n.format_time(moment, moscow, "ru") == "02.03.2026 12:00:05"
    assert i18n.format_time(moment, moscow, "en") == "2026-03-02 12:00:05"
    assert i18n.format_time(moment, ZoneInfo("Asia/Vladivostok"), "ru") == "02.03.2026 19:00:05"
    assert i18n.format_time(None, moscow, "ru") == "—"
