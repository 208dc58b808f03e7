"""The alert rule form of the HTML pages: its fields as the browser sends them (and as they are
shown again after an error), read into ``service.Fields``, whose checks are the service's.

The scope is a choice (the company, groups, operators) beside a list of groups and one of
operators: the list of the scope chosen is taken. E-mail goes to the users ticked and to the
addresses written one per line (or separated by commas).
"""

import math
import re
from typing import Any

from starlette.datastructures import FormData

from dozor.alerts import service
from dozor.alerts.models import AlertRule
from dozor.lib.labels import N_

TEXTS = (
    "name",
    "indicator",
    "window",
    "scope",
    "worse",
    "yellow",
    "red",
    "hysteresis",
    "min_duration",
    "repeat_every",
    "email_addresses",
    "webhook_url",
    "webhook_secret",
)
LISTS = ("group_ids", "operator_ids", "email_user_ids")
_SEPARATORS = re.compile(r"[\s,;]+")
MOST_SECONDS = 30 * 24 * 3600  # a minimum duration or a repetition longer than a month is a slip


def blank() -> dict[str, Any]:
    """A new rule's form: the longest current wait of some groups, told nobody yet."""
    form: dict[str, Any] = dict.fromkeys(TEXTS, "")
    form.update(dict.fromkeys(LISTS, []))
    form.update(
        indicator="max_wait_now",
        window="15m",
        scope="group",
        hysteresis="0",
        min_duration="0",
        repeat_every=str(service.Fields.repeat_every),
        enabled=True,
    )
    return form


def submitted(data: FormData) -> dict[str, Any]:
    form: dict[str, Any] = {name: str(data.get(name) or "") for name in TEXTS}
    form.update({name: [str(v) for v in data.getlist(name) if v] for name in LISTS})
    form["enabled"] = data.get("enabled") == "true"
    return form


def of_rule(rule: AlertRule) -> dict[str, Any]:
    """The form of a saved rule, to change it."""
    form = blank()
    form.update(
        name=rule.name,
        indicator=rule.indicator,
        window=rule.window,
        scope=rule.scope,
        worse=rule.worse,
        yellow=_text(rule.yellow),
        red=_text(rule.red),
        hysteresis=_text(rule.hysteresis),
        min_duration=str(rule.min_duration),
        repeat_every=str(rule.repeat_every),
        email_addresses="\n".join(rule.email_addresses),
        webhook_url=rule.webhook_url or "",
        email_user_ids=[str(i) for i in rule.email_user_ids],
        enabled=rule.enabled,
    )
    form[f"{rule.scope}_ids"] = list(rule.scope_ids)
    return form


def fields(form: dict[str, Any]) -> service.Fields:
    """What the form says; ``RuleError`` for a number that is not one (the service checks the
    rest)."""
    scope = form["scope"]
    return service.Fields(
        name=form["name"],
        indicator=form["indicator"],
        scope=scope,
        scope_ids=list(form.get(f"{scope}_ids") or []) if scope in ("group", "operator") else [],
        window=form["window"],
        worse=form["worse"] or None,
        yellow=_number(form, "yellow"),
        red=_number(form, "red"),
        hysteresis=_number(form, "hysteresis") or 0.0,
        min_duration=_whole(form, "min_duration"),
        repeat_every=_whole(form, "repeat_every"),
        email_user_ids=[_user_id(v) for v in form["email_user_ids"]],
        email_addresses=[a for a in _SEPARATORS.split(form["email_addresses"]) if a],
        webhook_url=form["webhook_url"] or None,
        webhook_secret=form["webhook_secret"] or None,
        enabled=form["enabled"],
    )


def _text(number: float | None) -> str:
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else str(number)


def _number(form: dict[str, Any], name: str) -> float | None:
    text = form[name].strip().replace(",", ".")
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        raise service.RuleError(name, N_("Not a number: %(value)s"), value=text[:50]) from None
    if not math.isfinite(number):
        raise service.RuleError(name, N_("Not a number: %(value)s"), value=text[:50])
    return number


def _whole(form: dict[str, Any], name: str) -> int:
    """Whole seconds; an empty field is 0."""
    text = form[name].strip()
    if not text:
        return 0
    if not text.isdigit():
        message = N_("Not a whole number of seconds: %(value)s")
        raise service.RuleError(name, message, value=text[:50])
    if len(text) > len(str(MOST_SECONDS)) or int(text) > MOST_SECONDS:
        raise service.RuleError(name, N_("At most %(most)s seconds."), most=MOST_SECONDS)
    return int(text)


def _user_id(value: str) -> int:
    if not value.isdigit():
        raise service.RuleError("email_user_ids", N_("No user %(id)s."), id=value[:50])
    return int(value)
