import pytest

from dozor.lib import cursor


def test_a_cursor_gives_back_its_values() -> None:
    values = ["created_at", "desc", "2026-03-02T09:00:00+00:00", 17, None]
    packed = cursor.pack(values)
    assert "=" not in packed and "/" not in packed and "+" not in packed
    assert cursor.unpack(packed) == values


@pytest.mark.parametrize("foreign", ["", "not-ours!", "e30", "MjAyNi0wMy0wMlQwOTowMDowMHw"])
def test_anything_else_is_refused(foreign: str) -> None:
    # "e30" is {} (JSON, not a list); the last is "2026-03-02T09:00:00|" (not JSON)
    with pytest.raises(ValueError, match="not a cursor"):
        cursor.unpack(foreign)
