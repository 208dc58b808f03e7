"""How the demo's clients and operators behave: arrival rates, the daily profile, durations and
odds. Every number of the simulation lives here; ``engine.py`` and ``flows.py`` only use them.

Durations are seconds. The figures are picked so that a shift shows queues, short and long
abandons, overdue chats and a few transfers within its first minutes, not to model a real center.
"""

import math
from dataclasses import dataclass
from random import Random


@dataclass(frozen=True, slots=True)
class Stream:
    """Conversations arriving on a channel for a group, ``per_hour`` at the daily peak."""

    channel: str
    group: str
    per_hour: float


STREAMS = (
    Stream("phone-sales", "sales", 75),
    Stream("phone-support", "support", 130),
    Stream("phone-vip", "vip", 20),
    Stream("web-chat", "sales", 35),
    Stream("web-chat", "support", 60),
    Stream("telegram", "support", 35),
    Stream("telegram", "vip", 8),
    Stream("vk", "sales", 30),
    Stream("email", "support", 20),
    Stream("email", "sales", 8),
)

# Arrivals by the center's local hour, as a share of the peak: busiest late morning and afternoon.
# Nights are busier than a real center's, so that a demo started at night still has a queue.
HOURLY = (
    0.25, 0.20, 0.20, 0.20, 0.20, 0.20, 0.25, 0.35, 0.55, 0.80, 0.95, 1.00,
    0.90, 0.80, 0.90, 1.00, 0.95, 0.80, 0.60, 0.45, 0.40, 0.35, 0.30, 0.25,
)  # fmt: skip

ROSTER_PERIOD = 15 * 60
MIN_STAFF = 5  # on shift even at night: they cover every group
IDLE_CLOSE = 10 * 60  # the system closes a chat whose client went silent

P_TOPIC = 0.6  # the client picked a topic (web form, IVR menu, bot button)
P_IVR_HANGUP = 0.03
P_CALL_DECLINE = 0.06
P_HOLD = 0.25
P_CALL_TRANSFER = 0.06
P_CLIENT_HANGS_UP = 0.6
P_CALL_RATED = 0.3
P_CHAT_DECLINE = 0.04
P_BOT_FIRST = 0.5
P_BOT_SOLVES = 0.2
P_CHAT_SPAM = 0.04
P_CHAT_TRANSFER = 0.05
P_TO_OPERATOR = 0.4  # of transfers: to a colleague rather than to another group
P_CLIENT_GONE = 0.08  # per exchange: the client stops answering
P_WAIT_NUDGE = 0.5  # a waiting chat client asks whether anyone is there
P_CLIENT_CLOSES = 0.3  # how a chat ends: the client closes it,
P_OPERATOR_CLOSES = 0.4  # the operator does, or else the client is asked for a vote
P_VOTE = 0.6
P_RATED_AFTER_CLOSE = 0.2
P_SPAM_FILTER = 0.05  # e-mails the filter closes before any queue
P_EMAIL_SPAM = 0.1  # e-mails an operator closes as spam
SCORES = (5, 4, 3, 2, 1)
SCORE_WEIGHTS = (55, 25, 10, 5, 5)


def profile(hour: float) -> float:
    """The share of the peak arrival rate at a local ``hour`` (0–24), linearly interpolated."""
    low = int(hour) % 24
    part = hour - int(hour)
    return HOURLY[low] * (1 - part) + HOURLY[(low + 1) % 24] * part


def staffing(hour: float, operators: int) -> int:
    """How many operators of the roster are on shift: staffing follows the forecast."""
    wanted = math.ceil(operators * profile(hour))
    return max(MIN_STAFF, min(operators, wanted))


def _lognormal(rng: Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def score(rng: Random) -> int:
    return rng.choices(SCORES, SCORE_WEIGHTS)[0]


# -- clients ------------------------------------------------------------------------------------


def ivr_time(rng: Random) -> float:
    return rng.uniform(4, 15)


def call_patience(rng: Random) -> float:
    """How long a caller waits; some hang up within seconds (the short abandons)."""
    if rng.random() < 0.12:
        return rng.uniform(1, 5)
    return _lognormal(rng, 50, 0.8)


def chat_patience(rng: Random) -> float:
    return max(20.0, _lognormal(rng, 150, 0.7))


def patience(rng: Random, medium: str) -> float | None:
    """How long a client waits in a queue; e-mail writers never give up."""
    if medium == "call":
        return call_patience(rng)
    return chat_patience(rng) if medium == "chat" else None


def think_time(rng: Random) -> float:
    return _lognormal(rng, 40, 0.6)


def chat_rounds(rng: Random) -> int:
    return rng.randint(1, 4)


def bot_time(rng: Random) -> float:
    return rng.uniform(10, 40)


# -- operators ----------------------------------------------------------------------------------


def ring_time(rng: Random, slow: bool) -> float:
    return rng.uniform(5, 14) if slow else rng.uniform(2, 8)


def no_answer_time(rng: Random) -> float:
    return rng.uniform(15, 20)


def accept_time(rng: Random, medium: str, slow: bool) -> float:
    """From an offer to pressing «Ответить»: slow operators leave chats untaken past 60 s."""
    if medium == "email":
        return rng.uniform(10, 120)
    return rng.uniform(40, 150) if slow else rng.uniform(3, 25)


def skip_time(rng: Random) -> float:
    return rng.uniform(5, 20)


def reply_time(rng: Random, slow: bool) -> float:
    """A chat reply: slow operators leave the client waiting past 120 s."""
    return rng.uniform(60, 240) if slow else _lognormal(rng, 25, 0.6)


def email_reply_time(rng: Random, slow: bool) -> float:
    return rng.uniform(180, 1500) * (2 if slow else 1)


def talk_time(rng: Random, group: str) -> float:
    return _lognormal(rng, 140, 0.6) * (1.5 if group == "vip" else 1)


def hold_time(rng: Random) -> float:
    return rng.uniform(15, 90)


def wrapup_time(rng: Random, slow: bool) -> float:
    return rng.uniform(30, 120) if slow else rng.uniform(5, 45)


def work_spell(rng: Random) -> float:
    return rng.uniform(45, 100) * 60


def pause(rng: Random) -> tuple[float, str]:
    """A break: its length and the reason the operator gives."""
    if rng.random() < 0.1:
        return rng.uniform(30, 45) * 60, "Обед"
    return rng.uniform(5, 15) * 60, "Перерыв"


def arrival_delay(rng: Random) -> float:
    """From the start of a shift to the operator's login."""
    return rng.uniform(5, 180)
