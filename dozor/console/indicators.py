"""The KPI panel's indicators: every key of ``GET /api/v1/kpis``, how to show its value, and
which way is worse by default (what the thresholds form proposes)."""

from dataclasses import dataclass
from typing import Literal

from dozor.lib.labels import N_

Kind = Literal["count", "pct", "seconds", "ratio"]


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str
    label: str  # an English msgid, translated where shown
    kind: Kind
    worse: Literal["higher", "lower"]


def _i(key: str, label: str, kind: Kind, worse: Literal["higher", "lower"]) -> Indicator:
    return Indicator(key, label, kind, worse)


INDICATORS: tuple[Indicator, ...] = (
    _i("accepted", N_("Accepted"), "count", "lower"),
    _i("lost", N_("Lost"), "count", "higher"),
    _i("short_abandoned", N_("Short abandons"), "count", "higher"),
    _i("lost_pct", N_("Lost, %%"), "pct", "higher"),
    _i("in_queue", N_("In queue now"), "count", "higher"),
    _i("max_wait_now", N_("Longest wait now"), "seconds", "higher"),
    _i("avg_wait", N_("Average wait"), "seconds", "higher"),
    _i("max_wait", N_("Longest wait"), "seconds", "higher"),
    _i("service_level", N_("Service level, %%"), "pct", "lower"),
    _i("immediate_answer_pct", N_("Immediate answer, %%"), "pct", "lower"),
    _i("operators_online", N_("Operators online"), "count", "lower"),
    _i("operators_total", N_("Operators in total"), "count", "lower"),
    _i("free_operators", N_("Free operators"), "count", "lower"),
    _i("on_group_calls", N_("On group calls"), "count", "lower"),
    _i("on_personal_calls", N_("On personal calls"), "count", "higher"),
    _i("utilization", N_("Utilization, %%"), "pct", "higher"),
    _i("avg_inbound_talk", N_("Average inbound talk"), "seconds", "higher"),
    _i("successful_inbound_pct", N_("Successful inbound, %%"), "pct", "lower"),
    _i("outbound_calls", N_("Outbound calls"), "count", "lower"),
    _i("connect_pct", N_("Connect rate, %%"), "pct", "lower"),
    _i("avg_outbound_talk", N_("Average outbound talk"), "seconds", "lower"),
    _i("successful_outbound_pct", N_("Successful outbound, %%"), "pct", "lower"),
    _i("group_intensity", N_("Group intensity"), "ratio", "lower"),
    _i("frt_avg", N_("First response, average"), "seconds", "higher"),
    _i("frt_max", N_("First response, longest"), "seconds", "higher"),
    _i("aht", N_("Average handling time"), "seconds", "higher"),
    _i("csat", N_("CSAT, %%"), "pct", "lower"),
    _i("new", N_("New"), "count", "higher"),
    _i("unanswered", N_("Unanswered"), "count", "higher"),
    _i("answered", N_("Answered"), "count", "higher"),
    _i("overdue", N_("Overdue"), "count", "higher"),
)
BY_KEY = {i.key: i for i in INDICATORS}
KEYS = tuple(BY_KEY)
# seed 003's first picks: the queue, the longest wait, free people, losses, utilization
DEFAULT = (
    "in_queue",
    "max_wait_now",
    "free_operators",
    "accepted",
    "lost",
    "lost_pct",
    "service_level",
    "utilization",
)


def show(value: float | None, kind: Kind) -> str:
    """A value as a tile shows it: whole numbers, one decimal for ratios, m:ss for durations."""
    if value is None:
        return "—"
    if kind == "seconds":
        total = round(value)
        hours, rest = divmod(total, 3600)
        return (
            f"{hours}:{rest // 60:02d}:{rest % 60:02d}"
            if hours
            else f"{rest // 60}:{rest % 60:02d}"
        )
    if kind == "ratio":
        return f"{value:.1f}"
    return f"{round(value)}"
