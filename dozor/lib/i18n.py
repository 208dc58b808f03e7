"""Translations of the interface: Babel catalogs read from their ``.po`` files at start.

msgids are English. No compiled ``.mo`` is kept in the repository: each catalog is compiled in
memory when the app starts, so editing a ``.po`` file is the whole workflow. To pick up new
strings after changing templates or code::

    pybabel extract -F babel.cfg -o /tmp/messages.pot dozor
    pybabel update -i /tmp/messages.pot -d dozor/locale --no-fuzzy-matching
"""

from datetime import datetime
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("ru", "en")
# each language is named in itself, so that anyone can find their own in the switch
NAMES = {"ru": "Русский", "en": "English"}
LOCALE_DIR = Path(__file__).parent.parent / "locale"
# supervisors read times to the second; each language writes dates its own customary way
_TIME_FORMATS = {"ru": "%d.%m.%Y %H:%M:%S", "en": "%Y-%m-%d %H:%M:%S"}


def catalog_path(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / language / "LC_MESSAGES" / "messages.po"


def read_catalog(language: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    with catalog_path(language, locale_dir).open("rb") as file:
        return read_po(file, locale=language)


def load(locale_dir: Path = LOCALE_DIR) -> dict[str, Translations]:
    """Every language's translations, compiled in memory (fuzzy entries are left out)."""
    return {language: _compile(read_catalog(language, locale_dir)) for language in LANGUAGES}


def _compile(catalog: Catalog) -> Translations:
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def choose(*candidates: str | None, default: str) -> str:
    """The first candidate that is a known language, else ``default``."""
    return next((c for c in candidates if c in LANGUAGES), default)


def format_time(moment: datetime | None, zone: ZoneInfo, language: str) -> str:
    """A moment as the center's clock on the wall shows it; a dash when there is none."""
    if moment is None:
        return "—"
    return moment.astimezone(zone).strftime(_TIME_FORMATS[language])
