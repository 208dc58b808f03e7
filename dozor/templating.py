"""HTML templates: one Jinja2 environment per language, built from settings with the app.

Shared templates are found by their name (``base.html``), a domain's by its folder and file:
``conversations/list.html`` is ``dozor/conversations/templates/list.html``.
Autoescaping is on everywhere: client names and texts come from outside.
"""

from functools import partial
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from babel.support import Translations
from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from dozor.auth import csrf
from dozor.auth.models import User
from dozor.config import Settings
from dozor.lib import i18n, labels

HERE = Path(__file__).parent
LANGUAGE_KEY = "language"  # the session's choice of language


class Templates:
    """Renders a page in the language of the request."""

    def __init__(self, settings: Settings, translations: dict[str, Translations]) -> None:
        self.default_language = settings.language
        self._by_language = {
            language: Jinja2Templates(env=_environment(settings, language, catalog))
            for language, catalog in translations.items()
        }

    def language(self, request: Request) -> str:
        """``?lang=``, else the session's choice, else the default.

        ``?lang=`` is remembered in the session: the page's htmx requests do not repeat it.
        """
        asked = request.query_params.get("lang")
        if asked in i18n.LANGUAGES:
            request.session[LANGUAGE_KEY] = asked
        return i18n.choose(asked, request.session.get(LANGUAGE_KEY), default=self.default_language)

    def render(
        self,
        request: Request,
        name: str,
        *,
        user: User | None,
        status_code: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        templates = self._by_language[self.language(request)]
        context["user"] = user
        return templates.TemplateResponse(request, name, context, status_code=status_code)


def create(settings: Settings, translations: dict[str, Translations]) -> Templates:
    return Templates(settings, translations)


def _environment(
    settings: Settings, language: str, translations: Translations
) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        language=language,
        languages=i18n.NAMES,
        timezone=settings.timezone,
        csrf_token=csrf.template_token,
        csrf_input=csrf.template_input,
        current_page=_current_page,
        label=partial(labels.label, translations.gettext),
    )
    zone = ZoneInfo(settings.timezone)
    env.filters["local_time"] = partial(i18n.format_time, zone=zone, language=language)
    return env


@jinja2.pass_context
def _current_page(context: Any) -> str:
    """This page's address without ``lang``: where the language switch comes back to."""
    request: Request = context["request"]
    query = urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "lang"])
    return request.url.path + (f"?{query}" if query else "")


def _loader() -> jinja2.BaseLoader:
    domains = {
        folder.parent.name: jinja2.FileSystemLoader(folder)
        for folder in sorted(HERE.glob("*/templates"))
    }
    return jinja2.ChoiceLoader(
        [jinja2.FileSystemLoader(HERE / "templates"), jinja2.PrefixLoader(domains)]
    )


def _templates(request: Request) -> Templates:
    return request.app.state.templates


TemplatesDep = Annotated[Templates, Depends(_templates)]
