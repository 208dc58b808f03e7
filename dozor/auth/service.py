"""Users, passwords (argon2) and API tokens (only their SHA-256 is stored)."""

import hashlib
import secrets

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.auth.models import ROLES, ApiToken, User
from dozor.clock import Clock

_passwords = PasswordHash.recommended()
# a hash to verify against when the user does not exist, so timing does not tell
_DUMMY_HASH = _passwords.hash("not a password")
TOKEN_PREFIX = "dz_"


class UserError(ValueError):
    pass


async def create_user(
    session: AsyncSession,
    *,
    username: str,
    password: str,
    role: str,
    clock: Clock,
    name: str | None = None,
    language: str | None = None,
    email: str | None = None,
) -> User:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if not username or len(username) > 100:
        raise UserError("username must be 1 to 100 characters")
    if email is not None and ("@" not in email or len(email) > 320):
        raise UserError("email must be an address like name@example.com")
    if len(password) < 8:
        raise UserError("password must be at least 8 characters")
    if await session.scalar(select(User.id).where(User.username == username)):
        raise UserError(f"user {username!r} already exists")
    user = User(
        username=username,
        name=name or username,
        password_hash=_passwords.hash(password),
        role=role,
        language=language,
        email=email,
        created_at=clock.now(),
    )
    session.add(user)
    await session.flush()
    return user


async def authenticate(session: AsyncSession, *, username: str, password: str) -> User | None:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        _passwords.verify(password, _DUMMY_HASH)
        return None
    return user if _passwords.verify(password, user.password_hash) else None


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def create_token(session: AsyncSession, *, name: str, clock: Clock) -> str:
    """A new API token; the caller shows it once, we keep only its hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=_hash_token(token), created_at=clock.now()))
    await session.flush()
    return token


async def token_name(session: AsyncSession, token: str) -> str | None:
    """The name of the API token, or None when it is not one of ours."""
    return await session.scalar(
        select(ApiToken.name).where(ApiToken.token_hash == _hash_token(token))
    )
