"""A small center for the console tests, each person with their own client.

groups: support, sales
ada     admin
alice   supervisor of support
sam     supervisor of sales
bob     operator of support (user bob, operator op-bob); op-eve works in support and sales
"""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dozor.auth import csrf
from dozor.auth import service as auth_service
from dozor.auth.models import UserGroup
from dozor.directory.models import Group
from dozor.events import contract as c
from dozor.operators.models import Operator, OperatorGroup
from tests.auth.personas import PASSWORD, csrf_token, log_in
from tests.browser import browser, live_server, live_settings, page  # noqa: F401

PEOPLE = {"ada": "admin", "alice": "supervisor", "sam": "supervisor", "bob": "operator"}


class Center:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.state = client.app.state  # type: ignore[attr-defined]
        self._clients: dict[str, TestClient] = {}

    def run(self, work: Callable[[Any], Any]) -> Any:
        async def call() -> Any:
            async with self.state.write_sessions() as session, session.begin():
                return await work(session)

        return self.client.portal.call(call)  # type: ignore[union-attr]

    def as_(self, username: str) -> TestClient:
        if username not in self._clients:
            client = TestClient(self.client.app)
            client.portal = self.client.portal
            if username != "anonymous":
                assert log_in(client, username).status_code == 303
                # as the pages' htmx requests do: the API takes a session's change only with it
                client.headers[csrf.HEADER] = csrf_token(client, "/")
            self._clients[username] = client
        return self._clients[username]

    def token(self) -> TestClient:
        """A client with an integration's API token."""
        if "token" not in self._clients:

            async def create(session: Any) -> str:
                return await auth_service.create_token(session, name="crm", clock=self.state.clock)

            client = TestClient(self.client.app)
            client.portal = self.client.portal
            client.headers["Authorization"] = f"Bearer {self.run(create)}"
            self._clients["token"] = client
        return self._clients["token"]

    def post(self, *events: c.Event) -> None:
        answer = self.token().post(
            "/api/v1/events", json=[e.model_dump(mode="json") for e in events]
        )
        assert answer.status_code == 200, answer.text

    def reload_directory(self) -> None:
        """As the housekeeper does every few seconds."""
        from dozor.live import loader

        live = self.state.live

        async def read() -> None:
            async with self.state.sessions() as session:
                await loader.load_directory(session, live.state)

        self.client.portal.call(read)  # type: ignore[union-attr]


def _populate(center: Center) -> None:
    async def create(session: Any) -> None:
        session.add_all(
            [
                Group(id="support", name="Поддержка"),
                Group(id="sales", name="Продажи"),
                Operator(id="op-bob", name="Борис"),
                Operator(id="op-eve", name="Ева"),
            ]
        )
        await session.flush()
        session.add_all(
            [
                OperatorGroup(operator_id="op-bob", group_id="support"),
                OperatorGroup(operator_id="op-eve", group_id="support"),
                OperatorGroup(operator_id="op-eve", group_id="sales"),
            ]
        )
        for username, role in PEOPLE.items():
            user = await auth_service.create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                name=username.capitalize(),
                clock=center.state.clock,
            )
            if username == "bob":
                user.operator_id = "op-bob"
            groups = {"alice": ["support"], "sam": ["sales"]}.get(username, [])
            session.add_all(UserGroup(user_id=user.id, group_id=g) for g in groups)

    center.run(create)
    center.reload_directory()


@pytest.fixture
def center(app_client: TestClient) -> Iterator[Center]:
    center = Center(app_client)
    _populate(center)
    yield center
    for client in center._clients.values():
        client.close()
