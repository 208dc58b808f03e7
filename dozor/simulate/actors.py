"""The simulation's mutable view of the people in it: operators (agents) and conversations."""

from dataclasses import dataclass, field

from dozor.simulate import center


@dataclass(eq=False, slots=True)
class Agent:
    """An operator as the simulation sees them."""

    spec: center.Operator
    status: str = "offline"
    on_shift: bool = False  # the roster's wish; off while online: finishing up, then logging out
    call: "Contact | None" = None  # offered or in talk
    wrapping: bool = False
    items: int = 0  # chats and e-mails offered or in work: counted against the chat capacity
    free_since: float = 0.0

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def load(self) -> int:
        return self.items + (self.call is not None)

    @property
    def idle(self) -> bool:
        return self.load == 0 and not self.wrapping

    def available(self) -> bool:
        """May be offered something: logged in, on shift, not on a call nor wrapping one up."""
        on_duty = self.status == "online" and self.on_shift
        return on_duty and self.call is None and not self.wrapping

    def fits(self, medium: str) -> bool:
        return medium == "call" or self.items < self.spec.chat_capacity


@dataclass(eq=False, slots=True)
class Contact:
    """A conversation as the simulation sees it."""

    id: str
    number: int
    channel: center.Channel
    group: str
    agent: Agent | None = None  # who works it (stays set after the close, for the wrap-up)
    offered: Agent | None = None  # whose phone rings / who sees the offer
    declined: set[str] = field(default_factory=set)
    entry: int = 0  # queue entries so far: a patience timer of an earlier entry is stale
    offer: int = 0  # offers so far: an answer to an earlier offer is stale
    closed: bool = False
    messages: int = 0
    transfers: int = 0

    @property
    def medium(self) -> str:
        return self.channel.medium
