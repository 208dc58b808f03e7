"""A small contact center of people for the task tests, each logged in with their own client.

groups: support, sales
ada     admin
alice   supervisor of support
bob     operator of support (through his operator record op-bob)
carol   operator of support (assigned to the group as a user)
charlie operator of sales: an outsider to support
sam     supervisor of sales
"""

import functools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pwdlib import PasswordHash
from sqlalchemy import update

from dozor.auth import csrf
from dozor.auth import service as auth_service
from dozor.auth.models import User, UserGroup
from dozor.db import upsert
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup
from dozor.tasks.models import TaskKind
from tests.auth.personas import PASSWORD, csrf_token, log_in
from tests.browser import browser, live_server, live_settings, page  # noqa: F401


@functools.cache
def _password_hash() -> str:
    """PASSWORD hashed once: argon2 is slow on purpose, and every test makes six people."""
    return PasswordHash.recommended().hash(PASSWORD)


class Center:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.state = client.app.state  # type: ignore[attr-defined]
        self.ids: dict[str, int] = {}
        self._clients: dict[str, TestClient] = {}

    def call(self, work: Callable[[], Any]) -> Any:
        """``await work()`` on the app's event loop."""
        return self.client.portal.call(work)  # type: ignore[union-attr]

    def run(self, work: Callable[[Any], Any]) -> Any:
        """``await work(session)`` in one committed unit of work, on the app's event loop."""

        async def call() -> Any:
            async with self.state.sessions() as session, session.begin():
                return await work(session)

        return self.call(call)

    def group(self, group_id: str) -> None:
        async def add(session: Any) -> None:
            session.add(Group(id=group_id, name=group_id.capitalize()))

        self.run(add)

    def user(
        self,
        username: str,
        role: str,
        *,
        groups: tuple[str, ...] = (),
        operator_of: tuple[str, ...] = (),
        email: str | None = None,
        language: str | None = None,
    ) -> int:
        """A user in ``groups`` (as a user) or in ``operator_of`` (through an operator)."""

        async def create(session: Any) -> int:
            user = User(
                username=username,
                name=username.capitalize(),
                password_hash=_password_hash(),
                role=role,
                language=language,
                email=email,
                created_at=self.state.clock.now(),
            )
            session.add(user)
            await session.flush()
            for group_id in groups:
                session.add(UserGroup(user_id=user.id, group_id=group_id))
            if operator_of:
                session.add(Operator(id=f"op-{username}", name=username.capitalize()))
                await session.flush()
                user.operator_id = f"op-{username}"
                for group_id in operator_of:
                    session.add(OperatorGroup(operator_id=f"op-{username}", group_id=group_id))
            await session.flush()
            return user.id

        self.ids[username] = self.run(create)
        return self.ids[username]

    def set_email(self, username: str, email: str) -> None:
        async def change(session: Any) -> None:
            await session.execute(
                update(User).where(User.id == self.ids[username]).values(email=email)
            )

        self.run(change)

    def as_(self, username: str) -> TestClient:
        """A client logged in as ``username``, sharing the app's event loop."""
        if username not in self._clients:
            client = TestClient(self.client.app)
            client.portal = self.client.portal
            assert log_in(client, username).status_code == 303
            # as the pages' htmx requests do: the API takes a session's change only with it
            client.headers[csrf.HEADER] = csrf_token(client, "/tasks")
            self._clients[username] = client
        return self._clients[username]

    def anonymous(self) -> TestClient:
        client = TestClient(self.client.app)
        client.portal = self.client.portal
        return client

    def token(self) -> TestClient:
        """A client with an integration's API token."""

        async def create(session: Any) -> str:
            return await auth_service.create_token(session, name="crm", clock=self.state.clock)

        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {self.run(create)}"
        return client


def seed_kinds(center: Center) -> None:
    """The migration seeds "assignment"; the PostgreSQL fixture empties every table first."""

    async def seed(session: Any) -> None:
        dialect = session.get_bind().dialect.name
        statement = upsert(TaskKind.__table__, dialect, key=["id"])
        await session.execute(statement, [{"id": "assignment", "name": "Assignment"}])

    center.run(seed)


@pytest.fixture
def center(app_client: TestClient) -> Iterator[Center]:
    center = Center(app_client)
    seed_kinds(center)
    center.group("support")
    center.group("sales")
    center.user("ada", "admin")
    center.user("alice", "supervisor", groups=("support",))
    center.user("bob", "operator", operator_of=("support",))
    center.user("carol", "operator", groups=("support",))
    center.user("charlie", "operator", operator_of=("sales",))
    center.user("sam", "supervisor", groups=("sales",))
    yield center
    for client in center._clients.values():
        client.close()
