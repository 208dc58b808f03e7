"""People who log in, made through the service as an admin would, and how they log in."""

import re

from fastapi.testclient import TestClient
from httpx import Response

from dozor.auth import service

PASSWORD = "correct horse battery"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def create_user(
    client: TestClient,
    username: str,
    role: str,
    *,
    name: str | None = None,
    language: str | None = None,
) -> None:
    state = client.app.state  # type: ignore[attr-defined]

    async def create() -> None:
        async with state.sessions() as session, session.begin():
            await service.create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                name=name,
                language=language,
                clock=state.clock,
            )

    client.portal.call(create)  # type: ignore[union-attr]


def csrf_token(client: TestClient, path: str = "/login") -> str:
    """The session's CSRF token, read from a form as a browser would."""
    match = _TOKEN.search(client.get(path).text)
    assert match, f"no CSRF field on {path}"
    return match.group(1)


def log_in(client: TestClient, username: str, password: str = PASSWORD, **fields: str) -> Response:
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **fields}
    return client.post("/login", data=data, follow_redirects=False)
