"""What an alert says by e-mail, in the recipient's language, and the console link it carries.

Pure: the delivery worker passes the log row, the scope's name and the language's ``gettext``.
Values and levels are written as the console's tiles write them (``indicators.show``); times in
the center's time zone.
"""

from collections.abc import Callable
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from dozor.alerts.models import AlertLog
from dozor.config import Settings
from dozor.console import indicators
from dozor.lib import i18n
from dozor.lib.labels import N_

Gettext = Callable[[str], str]

WINDOWS = {
    "5m": N_("5 min"),
    "10m": N_("10 min"),
    "15m": N_("15 min"),
    "30m": N_("30 min"),
    "60m": N_("60 min"),
    "today": N_("Today"),
}
SUBJECTS = {
    "yellow": N_("[Dozor] Yellow zone: %(indicator)s — %(scope)s"),
    "red": N_("[Dozor] Red zone: %(indicator)s — %(scope)s"),
    "repeat": N_("[Dozor] Still red: %(indicator)s — %(scope)s"),
    "recovered": N_("[Dozor] Back to normal: %(indicator)s — %(scope)s"),
}
HEADLINES = {
    "yellow": N_("%(indicator)s has entered the yellow zone."),
    "red": N_("%(indicator)s has entered the red zone."),
    "repeat": N_("%(indicator)s is still red since %(since)s."),
    "recovered": N_("%(indicator)s is back to normal."),
}
LEVELS = {"yellow": N_("Yellow level: %(threshold)s"), "red": N_("Red level: %(threshold)s")}
SCOPES = {"group": N_("group %(name)s"), "operator": N_("operator %(name)s")}


def console_link(settings: Settings, *, scope: str, scope_id: str, window: str) -> str:
    """The console showing the alert's scope and window."""
    query = {"group": "g", "operator": "op"}.get(scope)
    params = ([(query, scope_id)] if query else []) + [("w", window)]
    return f"{settings.public_url}/console?{urlencode(params)}"


def scope_title(gettext: Gettext, scope: str, name: str | None) -> str:
    """«group Support», «operator Bob», or all groups."""
    if scope not in SCOPES:
        return gettext("All groups")
    return gettext(SCOPES[scope]) % {"name": name}


def email(
    *,
    log: AlertLog,
    scope_name: str | None,
    language: str,
    settings: Settings,
    gettext: Gettext,
) -> tuple[str, str]:
    """The subject and the plain text of one alert's e-mail."""
    indicator = indicators.BY_KEY.get(log.indicator)
    kind = indicator.kind if indicator else "ratio"
    # labels hold "%%" for the templates, which always %-format: unescaped the same way here
    label = gettext(indicator.label) % {} if indicator else log.indicator
    since = i18n.format_time(log.since, ZoneInfo(settings.timezone), language)
    # a recovery names the level it went back past
    level = log.zone_from if log.kind == "recovered" else log.zone_to
    short_scope = scope_name if log.scope in SCOPES else gettext("All groups")
    link = console_link(settings, scope=log.scope, scope_id=log.scope_id, window=log.window)
    lines = [
        gettext(HEADLINES[log.kind]) % {"indicator": label, "since": since},
        "",
        gettext("Value: %(value)s") % {"value": indicators.show(log.value, kind)},
    ]
    if level in LEVELS:
        threshold = indicators.show(log.threshold, kind)
        lines.append(gettext(LEVELS[level]) % {"threshold": threshold})
    lines += [
        gettext("Scope: %(scope)s") % {"scope": scope_title(gettext, log.scope, scope_name)},
        gettext("Window: %(window)s") % {"window": gettext(WINDOWS.get(log.window, log.window))},
        gettext("Since: %(since)s (%(zone)s)") % {"since": since, "zone": settings.timezone},
        gettext("Rule: %(rule)s") % {"rule": log.rule_name},
        "",
        gettext("Open the console: %(url)s") % {"url": link},
    ]
    subject = gettext(SUBJECTS[log.kind]) % {"indicator": label, "scope": short_scope}
    return subject, "\n".join(lines) + "\n"
