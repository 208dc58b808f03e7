"""A small contact center's morning for the live state tests: calls, chats and e-mails of
two groups, taken, transferred, lost, closed, rated; operators going online and away."""

from dozor.events import contract as c
from tests.factories import status
from tests.metrics.scenarios import inbound, outbound


def morning() -> list[list[c.Event]]:
    """The events in the batches they arrive in; the last batch brings late events."""
    statuses = [
        status("bob", -300, "online", 0),
        status("eve", -200, "online", 0),
        status("bob", 240, "away", 1),
        status("kim", -100, "online", 0),
    ]
    conversations = [
        inbound("call-1")
        .at(8, "conversation.accepted", operator_id="bob")
        .at(100, "conversation.closed", by="client"),
        inbound("call-2").at(3, "conversation.closed", by="client"),  # a short abandon
        inbound("call-3").at(40, "conversation.closed", by="client"),  # lost
        inbound("call-4", 200),  # waiting in the queue
        inbound("chat-1", 10, medium="chat", group="support")
        .at(20, "conversation.accepted", operator_id="eve")
        .message(25, "client", text="hi")
        .message(50, "operator", operator_id="eve", text="hello"),
        inbound("chat-2", 30, medium="chat", group="support")
        .at(45, "conversation.accepted", operator_id="kim")
        .at(60, "conversation.transferred", to_group_id="sales"),
        inbound("chat-3", 50, medium="chat", group="support")
        .at(55, "conversation.accepted", operator_id="eve")
        .message(70, "operator", operator_id="eve")
        .at(90, "conversation.closed", by="operator")
        .at(95, "conversation.rated", score=5),
        inbound("mail-1", 5, medium="email", group="support"),
        outbound("out-1", 100)
        .at(110, "conversation.accepted", operator_id="kim")
        .at(170, "conversation.closed", by="operator"),
    ]
    early = [e for s in conversations for e in s.events if e.ts.timestamp() % 2 == 0]
    rest = [e for s in conversations for e in s.events if e.ts.timestamp() % 2 == 1]
    late_status = status("kim", 150, "away", 1)
    return [statuses[:2], early, [statuses[3], *rest], [statuses[2]], [late_status]]
