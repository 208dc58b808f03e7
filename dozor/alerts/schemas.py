"""The JSON shapes of the alert rules API: what comes in (closed: a misspelt field is a 422)
and what goes out. The checks that need the database or span fields are the service's."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dozor.alerts.service import MOST_SECONDS
from dozor.console import indicators
from dozor.metrics.windows import WindowName

Id = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Indicator = Literal[indicators.KEYS]  # type: ignore[valid-type]
Zone = Literal["ok", "yellow", "red"]

EXAMPLE = {
    "name": "Support: longest wait",
    "indicator": "max_wait_now",
    "scope": "group",
    "scope_ids": ["support"],
    "window": "15m",
    "worse": "higher",
    "yellow": 60,
    "red": 120,
    "hysteresis": 5,
    "min_duration": 0,
    "repeat_every": 900,
    "email_user_ids": [2],
    "email_addresses": ["duty@example.com"],
    "webhook_url": "https://crm.example.com/hooks/dozor",
}


class RuleIn(BaseModel):
    """A rule: the indicator watched over a window in each of its scope ids, its levels, and
    who is told (nobody: colour only)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    indicator: Indicator = Field(description="A key of GET /api/v1/kpis.")  # type: ignore[valid-type]
    scope: Literal["all", "group", "operator"] = Field(
        description="The company (admins only), or each group or operator of scope_ids apart."
    )
    scope_ids: list[Id] = Field(default=[], max_length=200, description='None for "all".')
    window: WindowName = Field(default="15m", description="The KPI window (now-values ignore it).")
    worse: Literal["higher", "lower"] | None = Field(
        default=None, description="Which way is worse; none: the indicator's usual way."
    )
    yellow: float | None = Field(default=None, description="The warning level; none: no yellow.")
    red: float | None = Field(default=None, description="The critical level; none: no red.")
    hysteresis: float = Field(
        default=0, ge=0, description="A zone is left only once the value is this far past it."
    )
    min_duration: int = Field(
        default=0,
        ge=0,
        le=MOST_SECONDS,
        description="Seconds a new zone must hold before it is entered or left.",
    )
    repeat_every: int = Field(
        default=900,
        ge=0,
        le=MOST_SECONDS,
        description="Seconds between reminders while red (≥ 60); 0: never.",
    )
    email_user_ids: list[int] = Field(
        default=[], max_length=200, description="Users e-mailed (those with an address)."
    )
    email_addresses: list[Annotated[str, StringConstraints(max_length=320)]] = Field(
        default=[], max_length=200, description="Addresses e-mailed, in the default language."
    )
    webhook_url: Annotated[str, StringConstraints(max_length=2000)] | None = Field(
        default=None, description="POSTed a signed JSON body (docs/alerts.md); http(s) only."
    )
    webhook_secret: Annotated[str, StringConstraints(max_length=200)] | None = Field(
        default=None,
        description="The HMAC-SHA256 key of X-Dozor-Signature; none: kept, or made on creation.",
    )
    enabled: bool = Field(default=True, description="A disabled rule forgets its zones.")


class RuleOut(BaseModel):
    id: int
    name: str
    indicator: str
    scope: str
    scope_ids: list[str]
    window: str
    worse: str
    yellow: float | None
    red: float | None
    hysteresis: float
    min_duration: int
    repeat_every: int
    email_user_ids: list[int]
    email_addresses: list[str]
    webhook_url: str | None
    webhook_secret: str | None = Field(description="The key receivers check signatures with.")
    enabled: bool
    created_by: int | None
    created_at: datetime
    updated_at: datetime


class StateOut(BaseModel):
    """A rule's zone for one scope id now."""

    rule_id: int
    rule_name: str
    indicator: str
    window: str
    scope: str
    scope_id: str = Field(description='The group or operator; "" for the company.')
    scope_name: str
    zone: Zone
    value: float | None = Field(description="The last value judged; null: nothing to measure.")
    since: datetime = Field(description="When the zone began.")
