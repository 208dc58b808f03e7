import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.auth import service
from dozor.auth.models import User
from dozor.clock import ManualClock

PASSWORD = "correct horse battery"


async def _create_alice(sessions: async_sessionmaker[AsyncSession], clock: ManualClock) -> None:
    async with sessions() as session, session.begin():
        await service.create_user(
            session, username="alice", password=PASSWORD, role="supervisor", clock=clock
        )


async def test_passwords_are_stored_as_argon2_hashes_never_plain(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _create_alice(sessions, clock)
    async with sessions() as session:
        stored = await session.scalar(select(User.password_hash))
    assert stored is not None
    assert stored.startswith("$argon2")
    assert PASSWORD not in stored


async def test_authenticate_accepts_only_the_right_password(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _create_alice(sessions, clock)
    async with sessions() as session:
        user = await service.authenticate(session, username="alice", password=PASSWORD)
        assert user is not None and user.username == "alice"
        assert await service.authenticate(session, username="alice", password="wrong one") is None
        assert await service.authenticate(session, username="charlie", password=PASSWORD) is None


async def test_a_username_is_taken_once(
    sessions: async_sessionmaker[AsyncSession], clock: ManualClock
) -> None:
    await _create_alice(sessions, clock)
    with pytest.raises(service.UserError, match="already exists"):
        await _create_alice(sessions, clock)


@pytest.mark.parametrize(
    ("username", "password", "role", "error"),
    [
        ("bob", "short", "operator", "at least 8"),
        ("", PASSWORD, "operator", "1 to 100"),
        ("bob", PASSWORD, "boss", "role must be"),
    ],
)
async def test_bad_users_are_refused(
    sessions: async_sessionmaker[AsyncSession],
    clock: ManualClock,
    username: str,
    password: str,
    role: str,
    error: str,
) -> None:
    async with sessions() as session:
        with pytest.raises(service.UserError, match=error):
            await service.create_user(
                session, username=username, password=password, role=role, clock=clock
            )
