"""Opaque cursors of keyset pages: a list of JSON values, base64 without padding."""

import base64
import binascii
import json
from typing import Any


def pack(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def unpack(cursor: str) -> list[Any]:
    """The values ``pack`` was given; ``ValueError`` for anything it did not make."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, UnicodeDecodeError, ValueError) as error:
        raise ValueError("not a cursor") from error
    if not isinstance(values, list):
        raise ValueError("not a cursor")
    return values
