"""The simulation's processes: generators that yield how many seconds to wait before going on.

A conversation's life is two processes: its arrival (open, IVR or bot, into the queue) and, once
an operator accepts, its work (talk or dialog, transfers, the close, wrap-up and rating). Between
them the conversation waits in ``engine``'s queue, where ``wait`` runs out its client's patience.
The operators' day is two more: the roster (who is on shift) and each operator's breaks.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

from dozor.simulate import model, texts

if TYPE_CHECKING:
    from dozor.simulate.actors import Agent, Contact
    from dozor.simulate.engine import Process, Simulation


def arrivals(sim: "Simulation", stream: model.Stream) -> "Process":
    """Poisson arrivals at the profile's rate: drawn at the peak rate, each one kept with the
    profile's share of it (thinning), which is exact for a rate that varies in time."""
    rate = stream.per_hour / 3600
    while True:
        yield sim.rng.expovariate(rate)
        if sim.rng.random() < model.profile(sim.local_hour()):
            contact = sim.new_contact(stream)
            sim.spawn(ARRIVE[contact.medium](sim, contact))


def roster(sim: "Simulation") -> "Process":
    while True:
        sim.staff(model.staffing(sim.local_hour(), len(sim.agents)))
        yield model.ROSTER_PERIOD


def breaks(sim: "Simulation", agent: "Agent") -> "Process":
    while True:
        yield model.work_spell(sim.rng)
        length, reason = model.pause(sim.rng)
        if sim.go_away(agent, reason):
            yield length
            sim.come_back(agent)


def wait(sim: "Simulation", c: "Contact", entry: int, patience: float) -> "Process":
    """The client's patience in the queue: ringing counts, only an accept stops it."""

    def waiting() -> bool:
        return not c.closed and c.entry == entry and c.agent is None

    if c.medium == "chat" and patience > 60 and sim.rng.random() < model.P_WAIT_NUDGE:
        yield 45
        if not waiting():
            return
        sim.say(c, "client", sim.rng.choice(texts.NUDGES))
        patience -= 45
    yield patience
    if waiting():
        sim.abandon(c)


# -- arrival ------------------------------------------------------------------------------------


def call(sim: "Simulation", c: "Contact") -> "Process":
    sim.open(c, queued=False)  # the caller is in the IVR menu first
    yield model.ivr_time(sim.rng)
    if sim.rng.random() < model.P_IVR_HANGUP:
        sim.close(c, "client", reason="Положил трубку в IVR")
        return
    sim.enqueue(c, announce=True)


def chat(sim: "Simulation", c: "Contact") -> "Process":
    rng = sim.rng
    bot = c.channel.bot and rng.random() < model.P_BOT_FIRST
    sim.open(c, queued=not bot)
    yield 1.0
    sim.say(c, "client", texts.question(rng, c.group))
    if not bot:
        sim.enqueue(c)
        return
    yield rng.uniform(1, 3)
    sim.say(c, "bot", texts.BOT_GREETING)
    yield model.bot_time(rng)
    if rng.random() < model.P_BOT_SOLVES:
        sim.close(c, "system", reason="Вопрос решён ботом")
        return
    sim.enqueue(c, announce=True)


def email(sim: "Simulation", c: "Contact") -> "Process":
    filtered = sim.rng.random() < model.P_SPAM_FILTER
    sim.open(c, queued=not filtered)
    yield 1.0
    sim.say(c, "client", texts.question(sim.rng, c.group))
    if not filtered:
        sim.enqueue(c)
        return
    yield 1.0  # never queued: neither accepted nor lost
    sim.close(c, "system", spam=True, reason="Спам-фильтр")


ARRIVE: dict[str, Callable[["Simulation", "Contact"], "Process"]] = {
    "call": call,
    "chat": chat,
    "email": email,
}


# -- work ---------------------------------------------------------------------------------------


def work(sim: "Simulation", c: "Contact") -> "Process":
    return WORK[c.medium](sim, c)


def _slow(c: "Contact") -> bool:
    return c.agent is not None and c.agent.spec.slow


def call_work(sim: "Simulation", c: "Contact") -> "Process":
    rng = sim.rng
    talk = model.talk_time(rng, c.group)
    yield talk * 0.4
    if c.transfers == 0 and rng.random() < model.P_CALL_TRANSFER and not sim.transfer(c):
        return  # it rings in another group now
    if rng.random() < model.P_HOLD:
        sim.hold(c, True)
        yield model.hold_time(rng)
        sim.hold(c, False)
    yield talk * 0.6
    slow = _slow(c)
    sim.close(c, "client" if rng.random() < model.P_CLIENT_HANGS_UP else "operator")
    yield model.wrapup_time(rng, slow)
    sim.wrapup_done(c)
    if rng.random() < model.P_CALL_RATED:  # the IVR survey after the call
        yield rng.uniform(5, 30)
        sim.rate(c)


def chat_work(sim: "Simulation", c: "Contact") -> "Process":
    rng = sim.rng
    yield model.reply_time(rng, _slow(c))
    if rng.random() < model.P_CHAT_SPAM:
        sim.close(c, "operator", spam=True, reason="Спам")
        return
    assert c.agent is not None
    sim.say(c, "operator", texts.greeting(rng, c.agent.spec.name))
    for exchange in range(model.chat_rounds(rng)):
        if rng.random() < model.P_CLIENT_GONE:
            yield model.IDLE_CLOSE
            sim.close(c, "system", reason="Клиент не отвечает")
            return
        yield model.think_time(rng)
        sim.say(c, "client", rng.choice(texts.FOLLOW_UPS))
        yield model.reply_time(rng, _slow(c))
        sim.say(c, "operator", rng.choice(texts.ANSWERS))
        if exchange == 0 and c.transfers == 0 and rng.random() < model.P_CHAT_TRANSFER:
            yield rng.uniform(5, 20)
            if not sim.transfer(c):
                return  # it waits in another group's queue now
    yield from _chat_ending(sim, c)


def _chat_ending(sim: "Simulation", c: "Contact") -> "Process":
    rng = sim.rng
    how = rng.random()
    if how < model.P_CLIENT_CLOSES:
        yield model.think_time(rng)
        sim.close(c, "client")
        return
    yield rng.uniform(5, 30)
    if how < model.P_CLIENT_CLOSES + model.P_OPERATOR_CLOSES:
        sim.close(c, "operator")
        if rng.random() < model.P_RATED_AFTER_CLOSE:
            yield rng.uniform(3, 20)
            sim.rate(c)
        return
    sim.closing(c)  # asks the client for a vote, then the system closes
    if rng.random() < model.P_VOTE:
        yield rng.uniform(5, 40)
        sim.rate(c)
        yield 2.0
        sim.close(c, "system", reason="Оценка получена")
    else:
        yield 90.0
        sim.close(c, "system", reason="Нет оценки")


def email_work(sim: "Simulation", c: "Contact") -> "Process":
    rng = sim.rng
    if rng.random() < model.P_EMAIL_SPAM:
        yield rng.uniform(20, 120)
        sim.close(c, "operator", spam=True, reason="Спам")
        return
    yield model.email_reply_time(rng, _slow(c))
    sim.say(c, "operator", texts.EMAIL_ANSWER)
    yield rng.uniform(5, 30)
    sim.close(c, "operator")


WORK: dict[str, Callable[["Simulation", "Contact"], "Process"]] = {
    "call": call_work,
    "chat": chat_work,
    "email": email_work,
}
