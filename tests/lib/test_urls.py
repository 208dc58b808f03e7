import pytest

from dozor.lib.urls import safe_next


@pytest.mark.parametrize("target", ["/", "/conversations/_latest", "/?lang=en&page=2", "/a#b"])
def test_paths_of_this_site_are_kept(target: str) -> None:
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "conversations",
        "//evil.example/",
        "/\\evil.example",
        "/\\/evil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\tevil",
        "/a\r\nLocation: https://evil.example",
    ],
)
def test_anything_else_falls_back_to_the_default(target: str | None) -> None:
    assert safe_next(target) == "/"
    assert safe_next(target, default="/login") == "/login"
