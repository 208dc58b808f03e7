import pytest
from fastapi.testclient import TestClient

from tests.auth.personas import create_user, log_in


@pytest.fixture
def alice(app_client: TestClient) -> TestClient:
    """The client, logged in as alice, a supervisor."""
    create_user(app_client, "alice", "supervisor", name="Alice Smirnova")
    assert log_in(app_client, "alice").status_code == 303
    return app_client
