"""Alert rules in the database: list, read, save (create or change), delete; their validation
and who may touch them. The JSON API and the pages both call these; nothing here commits, and
whoever commits calls ``evaluator.reload`` after.

Access follows the KPI thresholds' (``console.service.may_set``): an admin (or an integration's
API token: ``visible`` None) any rule; a supervisor the rules whose every scope id is one of
their groups or an operator in one of them, never a company-wide rule. A supervisor lists and
reads only the rules they may change.
"""

import math
import re
import secrets
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from dozor.alerts.models import AlertRule, AlertState
from dozor.auth.models import User
from dozor.console import indicators, zones
from dozor.console import service as console_service
from dozor.directory.models import Group
from dozor.lib.labels import N_
from dozor.metrics.windows import WINDOWS
from dozor.operators.models import Operator

MAX_IDS = 200  # scope ids, users or addresses in one rule
MIN_REPEAT = 60  # seconds: a red zone is not repeated more often than this
MOST_SECONDS = 30 * 24 * 3600  # a minimum duration or a repetition longer than a month is a slip
_EMAIL = re.compile(r"^[^@\s\x00-\x1f]+@[^@\s.\x00-\x1f]+(\.[^@\s.\x00-\x1f]+)+$")
_PRINTABLE = re.compile(r"^[\x21-\x7e]+$")
_SCOPE_TABLES: dict[str, Any] = {"group": Group.id, "operator": Operator.id}


class RuleError(ValueError):
    """A rule that cannot be saved: ``field`` names the culprit, ``message`` is an English
    msgid that ``params`` fill."""

    def __init__(self, field: str, message: str, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.field, self.message, self.params = field, message, params


class Forbidden(PermissionError):
    """The rule's scope is not the caller's."""


@dataclass
class Fields:
    """What an editor says about a rule; ``worse`` None takes the indicator's."""

    name: str
    indicator: str
    scope: str
    scope_ids: list[str] = field(default_factory=list)
    window: str = "15m"
    worse: str | None = None
    yellow: float | None = None
    red: float | None = None
    hysteresis: float = 0.0
    min_duration: int = 0
    repeat_every: int = 900
    email_user_ids: list[int] = field(default_factory=list)
    email_addresses: list[str] = field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: str | None = None
    enabled: bool = True


FIELD_NAMES = tuple(f.name for f in fields(Fields))


async def may_edit(
    session: AsyncSession, visible: frozenset[str] | None, *, scope: str, scope_ids: list[str]
) -> bool:
    """Whether a caller who sees ``visible`` (None: everything) may set a rule on this scope."""
    if visible is None:
        return True
    if scope == "all" or not scope_ids:
        return False
    for scope_id in scope_ids:
        if not await console_service.may_set(session, visible, scope=scope, scope_id=scope_id):
            return False
    return True


async def listing(session: AsyncSession, *, visible: frozenset[str] | None) -> list[AlertRule]:
    rules = await session.scalars(select(AlertRule).order_by(AlertRule.name, AlertRule.id))
    return [
        r
        for r in rules
        if await may_edit(session, visible, scope=r.scope, scope_ids=list(r.scope_ids))
    ]


async def get(
    session: AsyncSession, *, visible: frozenset[str] | None, rule_id: int
) -> AlertRule | None:
    """The rule, if it exists and the caller may change it."""
    rule = await session.get(AlertRule, rule_id)
    if rule is None:
        return None
    ok = await may_edit(session, visible, scope=rule.scope, scope_ids=list(rule.scope_ids))
    return rule if ok else None


async def save(
    session: AsyncSession,
    *,
    visible: frozenset[str] | None,
    values: Fields,
    rule: AlertRule | None = None,
    user_id: int | None = None,
    now: datetime,
) -> AlertRule:
    """Create a rule (``rule`` None) or change ``rule`` (one ``get`` gave) to ``values``.

    Raises ``RuleError`` for what makes no sense, ``Forbidden`` for a scope not the caller's.
    A webhook without a secret gets one. Disabling a rule drops its zones; a change keeps
    the zones of the scope ids still in it.
    """
    clean = await _validated(session, values)
    if not await may_edit(session, visible, scope=clean.scope, scope_ids=clean.scope_ids):
        raise Forbidden("a supervisor sets alert rules on their own groups and their operators")
    if clean.webhook_url and not clean.webhook_secret:
        kept = rule.webhook_secret if rule is not None else None
        clean.webhook_secret = kept or secrets.token_hex(32)
    if not clean.webhook_url:
        clean.webhook_secret = None
    if rule is None:
        rule = AlertRule(created_by=user_id, created_at=now)
        session.add(rule)
    else:
        await _drop_states(session, rule, clean)
    for name in FIELD_NAMES:
        setattr(rule, name, getattr(clean, name))
    rule.updated_at = now
    await session.flush()
    return rule


async def remove(session: AsyncSession, *, rule: AlertRule) -> None:
    """Delete a rule and its zones; its log rows stay (with ``rule_id`` null)."""
    await session.execute(delete(AlertState).where(AlertState.rule_id == rule.id))
    await session.delete(rule)
    await session.flush()


async def _drop_states(session: AsyncSession, rule: AlertRule, values: Fields) -> None:
    """No zone survives a disabling (and no recovery is told); a change keeps the zones of the
    scope ids it keeps."""
    statement = delete(AlertState).where(AlertState.rule_id == rule.id)
    if values.enabled and values.scope == rule.scope:
        kept = values.scope_ids if values.scope != "all" else [""]
        statement = statement.where(AlertState.scope_id.not_in(kept))
    await session.execute(statement)


# -- validation -------------------------------------------------------------------------------


async def _validated(session: AsyncSession, values: Fields) -> Fields:
    """``values`` checked, with whitespace trimmed, duplicates dropped and defaults filled."""
    clean = Fields(**{name: getattr(values, name) for name in FIELD_NAMES})
    clean.name = (clean.name or "").strip()
    if not 1 <= len(clean.name) <= 200 or "\x00" in clean.name:
        raise RuleError("name", N_("The name must be 1 to 200 characters."))
    if clean.indicator not in indicators.KEYS:
        raise RuleError("indicator", N_("Unknown indicator %(value)s."), value=clean.indicator)
    if clean.window not in WINDOWS:
        raise RuleError("window", N_("Unknown window %(value)s."), value=clean.window)
    clean.worse = clean.worse or indicators.BY_KEY[clean.indicator].worse
    if clean.worse not in ("higher", "lower"):
        raise RuleError("worse", N_("Worse is either higher or lower."))
    await _check_scope(session, clean)
    _check_levels(clean)
    _check_timing(clean)
    await _check_recipients(session, clean)
    return clean


async def _check_scope(session: AsyncSession, clean: Fields) -> None:
    if clean.scope not in zones.SCOPES:
        raise RuleError("scope", N_("The scope is all, group or operator."))
    clean.scope_ids = list(dict.fromkeys(str(i).strip() for i in clean.scope_ids))
    if clean.scope == "all":
        if clean.scope_ids:
            raise RuleError("scope_ids", N_("A rule on the whole company names no ids."))
        return
    if not clean.scope_ids or len(clean.scope_ids) > MAX_IDS:
        raise RuleError("scope_ids", N_("Name 1 to 200 groups or operators."))
    column = _SCOPE_TABLES[clean.scope]
    asked = [i for i in clean.scope_ids if len(i) <= 200 and "\x00" not in i]
    known = set(await session.scalars(select(column).where(column.in_(asked))))
    if missing := [i for i in clean.scope_ids if i not in known]:
        message = N_("No group %(id)s.") if clean.scope == "group" else N_("No operator %(id)s.")
        raise RuleError("scope_ids", message, id=missing[0])


def _check_levels(clean: Fields) -> None:
    for name in ("yellow", "red", "hysteresis"):
        number = getattr(clean, name)
        if number is not None and not math.isfinite(number):
            raise RuleError(name, N_("Give a finite number."))
    if clean.yellow is None and clean.red is None:
        raise RuleError("yellow", N_("Give a yellow level, a red level or both."))
    if clean.yellow is not None and clean.red is not None:
        level = zones.Level(clean.yellow, clean.red, clean.worse)  # type: ignore[arg-type]
        if zones.problem(level):
            message = (
                N_("When higher is worse, red must not be below yellow.")
                if clean.worse == "higher"
                else N_("When lower is worse, red must not be above yellow.")
            )
            raise RuleError("red", message)
    if clean.hysteresis < 0:
        raise RuleError("hysteresis", N_("The hysteresis must not be negative."))


def _check_timing(clean: Fields) -> None:
    if clean.min_duration < 0:
        raise RuleError("min_duration", N_("The minimum duration must not be negative."))
    if clean.repeat_every != 0 and clean.repeat_every < MIN_REPEAT:
        raise RuleError("repeat_every", N_("Repeat every 60 seconds or more, or 0 for never."))
    for name in ("min_duration", "repeat_every"):
        if getattr(clean, name) > MOST_SECONDS:
            raise RuleError(name, N_("At most %(most)s seconds."), most=MOST_SECONDS)


async def _check_recipients(session: AsyncSession, clean: Fields) -> None:
    clean.email_user_ids = list(dict.fromkeys(clean.email_user_ids))
    if len(clean.email_user_ids) > MAX_IDS:
        raise RuleError("email_user_ids", N_("At most 200 users."))
    asked = [i for i in clean.email_user_ids if 0 < i < 2**31]  # beyond: no such id (int32)
    known = set(await session.scalars(select(User.id).where(User.id.in_(asked))))
    if missing := [i for i in clean.email_user_ids if i not in known]:
        raise RuleError("email_user_ids", N_("No user %(id)s."), id=missing[0])
    clean.email_addresses = list(dict.fromkeys(a.strip() for a in clean.email_addresses))
    if len(clean.email_addresses) > MAX_IDS:
        raise RuleError("email_addresses", N_("At most 200 addresses."))
    for address in clean.email_addresses:
        if len(address) > 320 or not _EMAIL.match(address):
            raise RuleError(
                "email_addresses", N_("Not an e-mail address: %(value)s."), value=address
            )
    clean.webhook_url = (clean.webhook_url or "").strip() or None
    if clean.webhook_url is not None and not _web_address(clean.webhook_url):
        raise RuleError("webhook_url", N_("The webhook is an http:// or https:// URL."))
    clean.webhook_secret = (clean.webhook_secret or "").strip() or None
    secret = clean.webhook_secret
    if secret is not None and not (16 <= len(secret) <= 200 and _PRINTABLE.match(secret)):
        raise RuleError(
            "webhook_secret", N_("The webhook secret must be 16 to 200 letters, digits or signs.")
        )


def _web_address(url: str) -> bool:
    if len(url) > 2000 or any(ord(c) < 0x21 for c in url):
        return False
    try:
        parts = urlsplit(url)
        return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a malformed host or port
        return False
