"""Where it is safe to send a browser back to after a form."""

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path on this site, else ``default``.

    Only a relative path passes: ``//evil.example`` and ``/\\evil.example`` are read by browsers
    as another host, and a scheme (``javascript:``, ``https:``) could leave the site.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if any(ord(char) < 0x20 or char == "\\" for char in target):
        return default
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else default
