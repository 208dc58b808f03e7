"""The simulated contact center: a discrete-event simulation, pure and deterministic.

Time is seconds since ``start``. A heap holds what happens next; ``advance(until)`` runs it up to
``until`` and hands back the events emitted meanwhile. Every event is stamped with the moment it
is emitted and the heap only moves forward, so they come out in time order. Behaviour that
unfolds over time is written as processes (``flows.py``): generators that yield how many seconds
to wait, resumed by the heap.

Routing: each group has a FIFO queue; a conversation is offered to the least loaded free
operator of its group, who accepts or declines after a while. Callers and chat clients have a
patience: when it runs out before an operator accepts, they leave, and the conversation is lost.
"""

import heapq
from collections.abc import Callable, Generator
from datetime import UTC, datetime, timedelta, tzinfo
from random import Random
from typing import Any
from zoneinfo import ZoneInfo

from dozor.simulate import center, flows, model, texts
from dozor.simulate.actors import Agent, Contact

Process = Generator[float, None, None]
DEFAULT_ZONE = ZoneInfo("Europe/Moscow")
SHIFT_OVER = "Конец смены"


class Simulation:
    """The center from ``start`` on; everything random comes from ``Random(seed)``, and the
    daily profile follows the local hour in ``zone``."""

    def __init__(self, seed: int, start: datetime, *, zone: tzinfo = DEFAULT_ZONE) -> None:
        self.rng = Random(seed)
        self.start = start.astimezone(UTC)
        # the start goes into the ids, so a second demo on the same database adds, not collides
        self.prefix = f"sim{seed}-{self.start:%y%m%d%H%M%S}"
        local = start.astimezone(zone)
        self._local_start = (local - local.replace(hour=0, minute=0, second=0)).total_seconds()
        self.now = 0.0
        self._heap: list[tuple[float, int, Callable[..., None], tuple[Any, ...]]] = []
        self._scheduled = 0
        self._emitted = 0
        self._contacts = 0
        self._out: list[dict[str, Any]] = []
        self.agents = [Agent(spec) for spec in center.OPERATORS]
        self.members = {
            g.id: [a for a in self.agents if g.id in a.spec.groups] for g in center.GROUPS
        }
        self.queues: dict[str, list[Contact]] = {g.id: [] for g in center.GROUPS}
        self.spawn(flows.roster(self))
        for stream in model.STREAMS:
            self.spawn(flows.arrivals(self, stream))
        for agent in self.agents:
            self.spawn(flows.breaks(self, agent))

    # -- the kernel -------------------------------------------------------------------------------

    def advance(self, until: float) -> list[dict[str, Any]]:
        """Run up to ``until`` seconds after the start; the events emitted, in time order."""
        heap = self._heap
        while heap and heap[0][0] <= until:
            self.now, _, action, args = heapq.heappop(heap)
            action(*args)
        out, self._out = self._out, []
        return out

    def at(self, delay: float, action: Callable[..., None], *args: Any) -> None:
        self._scheduled += 1
        heapq.heappush(self._heap, (self.now + delay, self._scheduled, action, args))

    def spawn(self, process: Process) -> None:
        self._resume(process)

    def _resume(self, process: Process) -> None:
        try:
            delay = next(process)
        except StopIteration:
            return
        self.at(delay, self._resume, process)

    def local_hour(self) -> float:
        return (self._local_start + self.now) / 3600 % 24

    def emit(self, type_: str, **fields: Any) -> None:
        self._emitted += 1
        ts = self.start + timedelta(seconds=self.now)
        # zero-padded: events of one instant sort by id in the order they were emitted
        event_id = f"{self.prefix}-{self._emitted:08d}"
        self._out.append({"id": event_id, "type": type_, "ts": ts.isoformat(), **fields})

    # -- conversation facts -----------------------------------------------------------------------

    def new_contact(self, stream: model.Stream) -> Contact:
        self._contacts += 1
        channel = center.CHANNELS_BY_ID[stream.channel]
        n = self._contacts
        return Contact(id=f"{self.prefix}-c{n}", number=n, channel=channel, group=stream.group)

    def open(self, c: Contact, *, queued: bool) -> None:
        """Open ``c``; ``queued``: straight into its group's queue (no IVR, no bot first)."""
        fields: dict[str, Any] = dict(
            conversation_id=c.id,
            channel_id=c.channel.id,
            medium=c.medium,  # so that a database without the demo's directory takes it too
            direction="inbound",
            client=texts.client(self.rng, c.number, c.channel.kind),
        )
        if queued:
            fields["group_id"] = c.group
        if self.rng.random() < model.P_TOPIC:
            fields["topic"] = self.rng.choice(center.TOPICS[c.group])[0]
        if c.channel.kind == "web-chat":
            fields["page_url"] = f"https://shop.example.ru/catalog/{self.rng.randrange(1, 500)}"
        self.emit("conversation.opened", **fields)

    def say(self, c: Contact, author: str, text: str) -> None:
        c.messages += 1
        fields: dict[str, Any] = dict(message_id=f"{c.id}-m{c.messages}", author=author, text=text)
        if author == "operator" and c.agent is not None:
            fields["operator_id"] = c.agent.id
        self.emit("message.created", conversation_id=c.id, **fields)

    def hold(self, c: Contact, on: bool) -> None:
        self.emit("conversation.hold", conversation_id=c.id, on=on)

    def closing(self, c: Contact) -> None:
        self.emit("conversation.closing", conversation_id=c.id)

    def rate(self, c: Contact) -> None:
        self.emit("conversation.rated", conversation_id=c.id, score=model.score(self.rng))

    def close(self, c: Contact, by: str, *, spam: bool = False, reason: str | None = None) -> None:
        """Close ``c``: its operator gets the capacity back, or for a call starts the wrap-up."""
        c.closed = True
        fields: dict[str, Any] = dict(conversation_id=c.id, by=by)
        agent = c.agent
        if by == "operator" and agent is not None:
            fields["operator_id"] = agent.id
        if spam:
            fields["spam"] = True
        if reason:
            fields["reason"] = reason
        self.emit("conversation.closed", **fields)
        if agent is None:
            return
        if c.medium == "call":
            agent.call, agent.wrapping = None, True
        else:
            agent.items -= 1
            self._release(agent)

    def wrapup_done(self, c: Contact) -> None:
        assert c.agent is not None
        c.agent.wrapping = False
        self.emit("conversation.wrapup_done", conversation_id=c.id, operator_id=c.agent.id)
        self._release(c.agent)

    def transfer(self, c: Contact) -> bool:
        """Hand ``c`` over: to a free colleague of its group (True), else to another group's
        queue (False), where it waits for an operator again."""
        old = c.agent
        assert old is not None
        c.transfers += 1
        self._unreserve(old, c)
        colleague = None
        if self.rng.random() < model.P_TO_OPERATOR:
            candidates = [a for a in self.members[c.group] if a is not old and a.available()]
            colleague = self._pick([a for a in candidates if a.fits(c.medium)], c)
        if colleague is not None:
            self._reserve(colleague, c)
            c.agent = colleague
            self.emit("conversation.transferred", conversation_id=c.id, to_operator_id=colleague.id)
        else:
            group = self.rng.choice([g.id for g in center.GROUPS if g.id != c.group])
            c.agent = None
            self.emit("conversation.transferred", conversation_id=c.id, to_group_id=group)
            self.enqueue(c, group=group)
        self._release(old)
        return colleague is not None

    # -- routing ----------------------------------------------------------------------------------

    def enqueue(self, c: Contact, *, group: str = "", announce: bool = False) -> None:
        """Put ``c`` at the back of a queue (its group's by default) and start its patience."""
        c.group = group or c.group
        c.entry += 1
        if announce:
            self.emit("conversation.queued", conversation_id=c.id, group_id=c.group)
        self.queues[c.group].append(c)
        patience = model.patience(self.rng, c.medium)
        if patience is not None:
            self.spawn(flows.wait(self, c, c.entry, patience))
        self._dispatch(c.group)

    def abandon(self, c: Contact) -> None:
        """The client gives up before any operator accepted: a lost conversation."""
        agent = c.offered
        if agent is not None:
            c.offered, c.offer = None, c.offer + 1
            self._unreserve(agent, c)
        elif c in self.queues[c.group]:
            self.queues[c.group].remove(c)
        self.close(c, "client", reason="Клиент не дождался ответа")
        if agent is not None:
            self._release(agent)

    def _dispatch(self, group: str) -> None:
        queue = self.queues[group]
        free = [a for a in self.members[group] if a.available()] if queue else []
        for c in list(queue):
            free = [a for a in free if a.available()]
            if not free:
                return
            agent = self._pick([a for a in free if a.fits(c.medium)], c)
            if agent is not None:
                queue.remove(c)
                self._offer(c, agent)

    def _pick(self, candidates: list[Agent], c: Contact) -> Agent | None:
        """Who gets ``c``: one who has not declined it, least loaded, waiting longest."""
        if not candidates:
            return None
        return min(candidates, key=lambda a: (a.id in c.declined, a.load, a.free_since, a.id))

    def _offer(self, c: Contact, agent: Agent) -> None:
        c.offered, c.offer = agent, c.offer + 1
        self._reserve(agent, c)
        self.emit("conversation.offered", conversation_id=c.id, operator_id=agent.id)
        rng, slow = self.rng, agent.spec.slow
        if c.medium == "call":
            declines = rng.random() < model.P_CALL_DECLINE
            delay = model.no_answer_time(rng) if declines else model.ring_time(rng, slow)
        else:
            declines = c.medium == "chat" and rng.random() < model.P_CHAT_DECLINE
            delay = model.skip_time(rng) if declines else model.accept_time(rng, c.medium, slow)
        self.at(delay, self._answer, c, agent, c.offer, declines)

    def _answer(self, c: Contact, agent: Agent, offer: int, declines: bool) -> None:
        if c.closed or c.offer != offer:
            return
        c.offered = None
        if declines:
            c.declined.add(agent.id)
            self._unreserve(agent, c)
            self.emit("conversation.declined", conversation_id=c.id, operator_id=agent.id)
            # back to the head of the queue a moment later, not in the same instant
            self.at(1.0, self._requeue, c, c.entry)
            self._release(agent)
            return
        c.agent = agent
        self.emit("conversation.accepted", conversation_id=c.id, operator_id=agent.id)
        self.spawn(flows.work(self, c))

    def _requeue(self, c: Contact, entry: int) -> None:
        if not c.closed and c.entry == entry:
            self.queues[c.group].insert(0, c)
            self._dispatch(c.group)

    def _reserve(self, agent: Agent, c: Contact) -> None:
        if c.medium == "call":
            agent.call = c
        else:
            agent.items += 1

    def _unreserve(self, agent: Agent, c: Contact) -> None:
        if c.medium == "call":
            agent.call = None
        else:
            agent.items -= 1

    def _release(self, agent: Agent) -> None:
        """``agent`` has room again: offer what waits, or let them go home after the shift."""
        agent.free_since = self.now
        for group in agent.spec.groups:
            self._dispatch(group)
        if not agent.on_shift and agent.status != "offline" and agent.idle:
            self._set_status(agent, "offline", SHIFT_OVER)

    # -- operators ----------------------------------------------------------------------------

    def staff(self, needed: int) -> None:
        """The first ``needed`` operators of the roster are on shift, the others go home."""
        for rank, agent in enumerate(self.agents):
            wanted = rank < needed
            if wanted == agent.on_shift:
                continue
            agent.on_shift = wanted
            if wanted and agent.status == "offline":
                self.at(model.arrival_delay(self.rng), self._log_in, agent)
            else:
                self._release(agent)

    def _log_in(self, agent: Agent) -> None:
        if agent.on_shift and agent.status == "offline":
            self._set_status(agent, "online")
            self._release(agent)

    def go_away(self, agent: Agent, reason: str) -> bool:
        if agent.status != "online" or not agent.on_shift:
            return False
        self._set_status(agent, "away", reason)
        return True

    def come_back(self, agent: Agent) -> None:
        if agent.status != "away":
            return
        if not agent.on_shift and agent.idle:
            self._set_status(agent, "offline", SHIFT_OVER)
            return
        self._set_status(agent, "online")
        self._release(agent)

    def _set_status(self, agent: Agent, status: str, reason: str | None = None) -> None:
        agent.status = status
        fields = {"reason": reason} if reason else {}
        self.emit("operator.status", operator_id=agent.id, status=status, **fields)
