"""CSRF protection of the HTML forms: a random token per session, sent back with every POST.

A form carries it in the hidden field ``csrf_token`` (``{{ csrf_input() }}`` in a template), an
htmx request in the ``X-CSRF-Token`` header (set once on ``<body>``). The JSON API's changes
need it only from a browser session (``require_for_api``): an integration's Bearer token is
never sent by a browser by itself.
"""

import secrets
from typing import Any

from fastapi import Depends, HTTPException, Request, Response
from jinja2 import pass_context
from markupsafe import Markup

from dozor.auth.deps import CallerDep, optional_user

SESSION_KEY = "csrf_token"
FIELD = "csrf_token"
HEADER = "X-CSRF-Token"


class CsrfError(Exception):
    """A POST without this session's token: it may come from another site."""


def token(request: Request) -> str:
    """This session's token, made on first use."""
    if SESSION_KEY not in request.session:
        request.session[SESSION_KEY] = secrets.token_urlsafe(32)
    return request.session[SESSION_KEY]


@pass_context
def template_token(context: Any) -> str:
    """``{{ csrf_token() }}`` in a template."""
    return token(context["request"])


@pass_context
def template_input(context: Any) -> Markup:
    """``{{ csrf_input() }}``: the hidden field every form carries."""
    return Markup('<input type="hidden" name="{}" value="{}">').format(
        FIELD, token(context["request"])
    )


async def require(request: Request) -> None:
    """Refuse the request unless it carries this session's token."""
    expected = request.session.get(SESSION_KEY)
    sent = request.headers.get(HEADER) or (await request.form()).get(FIELD)
    if not expected or not isinstance(sent, str):
        raise CsrfError
    # compare bytes: compare_digest refuses non-ASCII str, and the sent value is anyone's
    if not secrets.compare_digest(sent.encode(), expected.encode()):
        raise CsrfError


async def rejected(request: Request, _error: Exception) -> Response:
    """The page shown instead of acting on a forged or stale form."""
    templates = request.app.state.templates
    user = await optional_user(request)
    return templates.render(request, "csrf_failed.html", user=user, status_code=403)


CsrfDep = Depends(require)


async def require_for_api(request: Request, caller: CallerDep) -> None:
    """A JSON change from a logged-in browser proves it comes from Dozor's pages (the session's
    token in ``X-CSRF-Token``, as htmx sends it); an integration's API token need not."""
    if caller.token is not None:
        return
    expected = request.session.get(SESSION_KEY) or ""
    sent = request.headers.get(HEADER) or ""
    if not expected or not secrets.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, f"send this session's CSRF token in {HEADER}")
