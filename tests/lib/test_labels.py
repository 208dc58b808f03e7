from typing import Any, Literal, get_args, get_origin

import pytest

from dozor.conversations.api import ConversationOut
from dozor.lib import i18n
from dozor.lib.labels import LABELS, label


def _literal_values(annotation: Any) -> set[str]:
    """The strings of a ``Literal[...]``, also inside ``Literal[...] | None``."""
    if get_origin(annotation) is Literal:
        return set(get_args(annotation))
    return {value for arg in get_args(annotation) for value in _literal_values(arg)}


@pytest.mark.parametrize("kind", ["status", "detailed_status", "work_state", "medium"])
def test_every_value_of_the_api_has_a_label(kind: str) -> None:
    values = _literal_values(ConversationOut.model_fields[kind].annotation)
    assert values == set(LABELS[kind])


def test_statuses_read_as_in_the_dialog_list_of_seed_001() -> None:
    ru = i18n.load()["ru"].gettext
    assert label(ru, "status", "waiting") == "Клиент ожидает ответа оператора"
    assert label(ru, "detailed_status", "waiting_again") == (
        "Клиент ожидает ответа оператора (новый вопрос после ответа)"
    )
    assert label(ru, "detailed_status", "spam") == "Спам / Принудительное завершение"
    assert label(ru, "work_state", "unanswered") == "Неотвеченные"
    assert label(ru, "medium", "email") == "Письмо"


def test_unknown_values_show_as_they_are_and_missing_ones_as_a_dash() -> None:
    assert label(str, "medium", "fax") == "fax"
    assert label(str, "medium", None) == "—"
    assert label(str, "role", "admin") == "Administrator"
