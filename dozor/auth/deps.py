"""Who is calling: an integration with an API token, or a person with a session."""

from time import monotonic
from typing import Annotated
from urllib.parse import urlencode, urlsplit

from fastapi import Depends, HTTPException, Request

from dozor.auth import service
from dozor.auth.models import User
from dozor.lib.urls import safe_next


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _user(request: Request) -> User | None:
    user_id = request.session.get("user_id") if "session" in request.scope else None
    if user_id is None:
        return None
    async with request.app.state.sessions() as session:
        return await session.get(User, user_id)


TOKEN_TRUST = 10.0  # seconds a checked token is believed without asking the database again


async def require_token(request: Request) -> str:
    """The calling integration's token name; 401 without a valid ``Bearer`` token.

    A valid token is remembered for ``TOKEN_TRUST`` seconds: an integration posting many
    batches a second would otherwise cost a query each (bench/ingest.py).
    """
    token = _bearer(request)
    if token is not None:
        known: dict[str, tuple[str, float]] = request.app.state.known_tokens
        name, checked = known.get(token, ("", 0.0))
        if name and monotonic() - checked < TOKEN_TRUST:
            return name
        async with request.app.state.sessions() as session:
            if name := await service.token_name(session, token):
                known[token] = (name, monotonic())
                return name
    raise HTTPException(
        401,
        "a valid API token is required: Authorization: Bearer …",
        headers={"WWW-Authenticate": "Bearer"},
    )


class Caller:
    """An API caller: an integration token (full access) or a logged-in user."""

    def __init__(self, *, token: str | None = None, user: User | None = None) -> None:
        self.token, self.user = token, user

    @property
    def is_admin(self) -> bool:
        return self.token is not None or (self.user is not None and self.user.role == "admin")


async def require_caller(request: Request) -> Caller:
    if _bearer(request) is not None:
        return Caller(token=await require_token(request))
    if user := await _user(request):
        return Caller(user=user)
    raise HTTPException(401, "log in or give an API token", headers={"WWW-Authenticate": "Bearer"})


async def require_admin(caller: Annotated[Caller, Depends(require_caller)]) -> Caller:
    if not caller.is_admin:
        raise HTTPException(403, "only an admin or an API token may change this")
    return caller


async def optional_user(request: Request) -> User | None:
    return await _user(request)


TokenDep = Annotated[str, Depends(require_token)]
CallerDep = Annotated[Caller, Depends(require_caller)]
AdminDep = Annotated[Caller, Depends(require_admin)]
UserDep = Annotated[User | None, Depends(optional_user)]


async def require_user(request: Request, user: UserDep) -> User:
    """The logged-in user of a page; anyone else is sent to the login form and back."""
    if user is not None:
        return user
    login = "/login?" + urlencode({"next": _page_url(request)})
    if request.headers.get("HX-Request"):
        # htmx would swap a redirected login form into the page; this makes it leave the page
        raise HTTPException(401, headers={"HX-Redirect": login})
    raise HTTPException(303, headers={"Location": login})


def _page_url(request: Request) -> str:
    """The page the browser shows: for an htmx request the page that asked, not the fragment."""
    url = urlsplit(request.headers.get("HX-Current-URL") or str(request.url))
    return safe_next(url.path + (f"?{url.query}" if url.query else ""))


PageUserDep = Annotated[User, Depends(require_user)]
