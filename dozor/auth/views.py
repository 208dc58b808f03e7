"""Login, logout and the choice of language; pages send anonymous visitors to the login form."""

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import update

from dozor.auth import service
from dozor.auth.csrf import CsrfDep
from dozor.auth.deps import UserDep
from dozor.auth.models import User
from dozor.deps import SessionDep
from dozor.lib.urls import safe_next
from dozor.templating import LANGUAGE_KEY, TemplatesDep

router = APIRouter(include_in_schema=False)


@router.get("/login")
async def login_form(
    request: Request, templates: TemplatesDep, user: UserDep, next: str = "/"
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return templates.render(
        request, "login.html", user=None, next=safe_next(next), username="", failed=False
    )


@router.post("/login", dependencies=[CsrfDep])
async def login(
    request: Request,
    templates: TemplatesDep,
    session: SessionDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    user = await service.authenticate(session, username=username.strip(), password=password)
    if user is None:
        # one answer for an unknown user and a wrong password: nobody learns who exists
        return templates.render(
            request,
            "login.html",
            user=None,
            next=safe_next(next),
            username=username,
            failed=True,
            status_code=401,
        )
    _start_session(request, user)
    return RedirectResponse(safe_next(next), status_code=303)


def _start_session(request: Request, user: User) -> None:
    """A fresh session: nothing of the anonymous one carries over (its CSRF token included)
    but the language, unless the user saved one."""
    language = user.language or request.session.get(LANGUAGE_KEY)
    request.session.clear()
    request.session["user_id"] = user.id
    if language:
        request.session[LANGUAGE_KEY] = language


@router.post("/logout", dependencies=[CsrfDep])
async def logout(request: Request) -> RedirectResponse:
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


@router.post("/language", dependencies=[CsrfDep])
async def switch_language(
    request: Request,
    session: SessionDep,
    language: Annotated[Literal["ru", "en"], Form()],
    next: Annotated[str, Form()] = "/",
) -> RedirectResponse:
    """Remember the language in the session, and for a logged-in user in their profile."""
    request.session[LANGUAGE_KEY] = language
    if (user_id := request.session.get("user_id")) is not None:
        await session.execute(update(User).where(User.id == user_id).values(language=language))
    return RedirectResponse(safe_next(next), status_code=303)
