"""People of a small center for the dialog list's tests, each with their own logged-in client.

groups: support, sales
ada     admin, also linked to the operator op-ada (so she can take conversations)
alice   supervisor of support
sam     supervisor of sales
victor  supervisor with no group: an outsider
bob     operator of support (operator op-bob)
otto    operator user linked to no operator: an outsider
"""

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from dozor.auth import service as auth_service
from dozor.auth.models import UserGroup
from dozor.directory.models import Group
from dozor.operators.models import Operator, OperatorGroup
from tests.auth.personas import PASSWORD, csrf_token, log_in
from tests.browser import browser, live_server, live_settings, page  # noqa: F401
from tests.factories import Script

PEOPLE = ("ada", "alice", "sam", "victor", "bob", "otto")


class Staff:
    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.state = client.app.state  # type: ignore[attr-defined]
        self._clients: dict[str, TestClient] = {}

    def run(self, work: Callable[[Any], Any]) -> Any:
        """``await work(session)`` in one committed unit of work, on the app's event loop."""

        async def call() -> Any:
            async with self.state.sessions() as session, session.begin():
                return await work(session)

        return self.client.portal.call(call)  # type: ignore[union-attr]

    def push(self, *scripts: Script) -> None:
        """Store the scripts' events through the app's writer."""
        events = [event for script in scripts for event in script.events]

        async def submit() -> Any:
            return await self.state.writer.submit(events)

        self.client.portal.call(submit)  # type: ignore[union-attr]

    def user(
        self,
        username: str,
        role: str,
        *,
        groups: tuple[str, ...] = (),
        operator_of: tuple[str, ...] | None = None,
    ) -> None:
        async def create(session: Any) -> None:
            user = await auth_service.create_user(
                session,
                username=username,
                password=PASSWORD,
                role=role,
                name=username.capitalize(),
                clock=self.state.clock,
            )
            for group_id in groups:
                session.add(UserGroup(user_id=user.id, group_id=group_id))
            if operator_of is not None:
                session.add(Operator(id=f"op-{username}", name=f"Op {username.capitalize()}"))
                await session.flush()
                user.operator_id = f"op-{username}"
                for group_id in operator_of:
                    session.add(OperatorGroup(operator_id=f"op-{username}", group_id=group_id))
            await session.flush()

        self.run(create)

    def as_(self, username: str) -> TestClient:
        """A client logged in as ``username`` (sharing the app's event loop), whose htmx-like
        requests carry the session's CSRF token."""
        if username not in self._clients:
            client = self.anonymous()
            assert log_in(client, username).status_code == 303
            client.headers["X-CSRF-Token"] = csrf_token(client, "/conversations")
            self._clients[username] = client
        return self._clients[username]

    def anonymous(self) -> TestClient:
        client = TestClient(self.client.app)
        client.portal = self.client.portal
        return client

    def token(self) -> TestClient:
        async def create(session: Any) -> str:
            return await auth_service.create_token(session, name="crm", clock=self.state.clock)

        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {self.run(create)}"
        return client


@pytest.fixture
def staff(app_client: TestClient) -> Staff:
    staff = Staff(app_client)

    async def groups(session: Any) -> None:
        session.add_all([Group(id="support", name="Поддержка"), Group(id="sales", name="Продажи")])

    staff.run(groups)
    staff.user("ada", "admin", operator_of=())
    staff.user("alice", "supervisor", groups=("support",))
    staff.user("sam", "supervisor", groups=("sales",))
    staff.user("victor", "supervisor")
    staff.user("bob", "operator", operator_of=("support",))
    staff.user("otto", "operator")
    return staff
