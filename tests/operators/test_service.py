"""What an operator is doing now, derived from the conversations (both databases)."""

from datetime import timedelta

from dozor.events.writer import Writer
from dozor.operators import service
from tests.factories import T0, Script, status


async def test_open_chats_call_and_after_call_work(writer: Writer, sessions) -> None:  # type: ignore[no-untyped-def]
    chat = (
        Script("chat")
        .at(0, "conversation.opened", channel_id="web", medium="chat", direction="inbound")
        .at(5, "conversation.accepted", operator_id="bob")
    )
    call = (
        Script("call")
        .at(
            0,
            "conversation.opened",
            channel_id="tel",
            medium="call",
            direction="inbound",
            personal=True,
        )
        .at(3, "conversation.accepted", operator_id="bob")
    )
    done = (
        Script("done")
        .at(0, "conversation.opened", channel_id="tel", direction="inbound")
        .at(2, "conversation.accepted", operator_id="eve")
        .at(50, "conversation.closed", by="client")
    )
    await writer.submit(
        [status("bob", 0, "online", 0), status("eve", 0, "online", 0), status("eve", 30, "away", 1)]
        + chat.events
        + call.events
        + done.events
    )
    async with sessions() as session:
        rows = {
            o["id"]: o
            for o in await service.states(session, now=T0 + timedelta(seconds=60), wrapup_limit=300)
        }
    bob, eve = rows["bob"], rows["eve"]
    assert (bob["status"], bob["status_since"], bob["open_conversations"]) == ("online", T0, 2)
    assert (bob["on_call"], bob["after_call_work"]) == ("personal", False)
    assert (eve["status"], eve["status_since"]) == ("away", T0 + timedelta(seconds=30))
    assert (eve["open_conversations"], eve["on_call"], eve["after_call_work"]) == (0, None, True)
    async with sessions() as session:
        later = {
            o["id"]: o
            for o in await service.states(
                session, now=T0 + timedelta(seconds=400), wrapup_limit=300
            )
        }
    assert later["eve"]["after_call_work"] is False
