"""The fold against hand-computed values (DESIGN.md's durations and statuses)."""

from datetime import timedelta

from dozor.conversations import state
from dozor.conversations.state import ConversationState
from tests.factories import T0, Script


def statuses(s: ConversationState) -> tuple[str, str, str]:
    return (s.status, s.detailed_status, s.work_state)


def chat_with_bot() -> Script:
    return (
        Script("chat")
        .at(
            0,
            "conversation.opened",
            channel_id="web",
            medium="chat",
            direction="inbound",
            group_id="support",
            client={"name": "Анна"},
        )
        .message(1, "bot", text="Здравствуйте! Я бот.")
        .message(2, "client", text="Мне нужен оператор")
        .at(30, "conversation.accepted", operator_id="bob")
        .message(40, "operator", operator_id="bob", text="Слушаю вас")
        .message(50, "client", text="Вопрос")
        .message(55, "client", text="Ещё вопрос")
        .message(70, "operator", operator_id="bob", text="Ответ")
        .at(100, "conversation.closed", by="operator", operator_id="bob")
    )


def test_chat_dates_and_durations() -> None:
    s = state.fold(chat_with_bot().events)
    at = lambda seconds: T0 + timedelta(seconds=seconds)  # noqa: E731
    assert (s.created_at, s.queued_at, s.accepted_at) == (at(0), at(0), at(30))
    assert (s.first_answer_at, s.last_message_at) == (at(40), at(70))
    assert (s.operator_closed_at, s.closed_at, s.changed_at) == (at(100), at(100), at(100))
    assert s.wait_first_answer == 40
    assert s.time_to_accept == 30
    assert s.time_to_operator_close == 100
    assert s.duration == 69
    assert s.first_message_response == 38
    assert s.bot_time == 29
    assert (s.response_total, s.response_avg, s.response_max) == (58, 29, 38)
    assert s.operator_id == "bob" and s.group_id == "support" and s.client_name == "Анна"
    assert statuses(s) == ("closed", "closed", "closed")


def test_chat_statuses_step_by_step() -> None:
    script = chat_with_bot()
    seen = []
    current = state.new_state(script.events[0])
    for event in script.events:
        current = state.apply(current, event)
        seen.append(statuses(current))
    assert seen == [
        ("waiting", "queued", "new"),
        ("waiting", "queued", "new"),
        ("waiting", "queued", "new"),
        ("waiting", "in_work", "unanswered"),
        ("answered", "answered", "answered"),
        ("waiting", "waiting_again", "unanswered"),
        ("waiting", "waiting_again", "unanswered"),
        ("answered", "answered", "answered"),
        ("closed", "closed", "closed"),
    ]


def test_work_state_clock_restarts_only_when_the_work_state_changes() -> None:
    script = chat_with_bot()
    s = state.fold(script.events[:7])  # two client messages after the answer
    assert s.work_state == "unanswered"
    assert s.work_state_since == T0 + timedelta(seconds=50)


def test_client_writing_before_the_take_then_taken_is_in_work_then_waiting() -> None:
    script = (
        Script()
        .at(0, "conversation.opened", channel_id="tg", medium="chat", direction="inbound")
        .message(5, "client", text="?")
    )
    assert statuses(state.fold(script.events)) == ("waiting", "new", "new")
    script.at(10, "conversation.accepted", operator_id="bob")
    assert statuses(state.fold(script.events)) == ("waiting", "in_work", "unanswered")
    script.message(12, "client", text="??")
    assert statuses(state.fold(script.events)) == ("waiting", "waiting", "unanswered")
    assert state.fold(script.events).first_message_response is None


def test_unanswered_chat_closed_counts_first_response_until_close() -> None:
    script = (
        Script()
        .at(0, "conversation.opened", channel_id="vk", medium="chat", direction="inbound")
        .message(3, "client", text="hello")
        .at(63, "conversation.closed", by="client")
    )
    s = state.fold(script.events)
    assert s.first_message_response == 60
    assert s.wait_first_answer is None and s.response_total is None
    assert s.operator_closed_at is None and s.time_to_operator_close is None


def test_call_with_hold_and_after_call_work() -> None:
    script = (
        Script("call")
        .at(
            0,
            "conversation.opened",
            channel_id="phone",
            medium="call",
            direction="inbound",
            group_id="sales",
            client={"phone": "+79990001122"},
        )
        .at(2, "conversation.offered", operator_id="bob")
        .at(12, "conversation.declined", operator_id="bob")
        .at(13, "conversation.offered", operator_id="eve")
        .at(15, "conversation.accepted", operator_id="eve")
        .at(60, "conversation.hold", on=True)
        .at(90, "conversation.hold", on=False)
        .at(200, "conversation.closed", by="client")
    )
    s = state.fold(script.events)
    assert statuses(s) == ("closed", "closed", "closed")
    assert s.operator_id == "eve"
    assert s.wait_first_answer == 15 and s.time_to_accept == 15
    assert s.duration == 185
    assert s.hold_seconds == 30 and s.talk_seconds == 155
    assert s.wrapup_pending
    script.at(230, "conversation.wrapup_done", operator_id="eve")
    assert not state.fold(script.events).wrapup_pending


def test_a_call_being_talked_is_answered() -> None:
    script = (
        Script()
        .at(0, "conversation.opened", channel_id="phone", medium="call", direction="inbound")
        .at(4, "conversation.queued", group_id="sales")
    )
    assert statuses(state.fold(script.events)) == ("waiting", "queued", "new")
    script.at(9, "conversation.accepted", operator_id="bob")
    assert statuses(state.fold(script.events)) == ("answered", "answered", "answered")
    assert state.fold(script.events).wait_first_answer == 5


def test_transfer_to_a_line_puts_it_back_in_the_queue() -> None:
    script = (
        Script()
        .at(
            0,
            "conversation.opened",
            channel_id="web",
            medium="chat",
            direction="inbound",
            group_id="support",
        )
        .at(10, "conversation.accepted", operator_id="bob")
        .message(20, "operator", operator_id="bob", text="Переведу")
        .at(30, "conversation.transferred", to_group_id="vip", actor="alice")
    )
    s = state.fold(script.events)
    assert (s.group_id, s.operator_id, s.transfers) == ("vip", None, 1)
    assert statuses(s) == ("waiting", "queued", "new")
    assert s.queued_at == T0  # the first queue is when the contact entered
    script.at(40, "conversation.transferred", to_operator_id="eve")
    assert statuses(state.fold(script.events)) == ("waiting", "in_work", "unanswered")


def test_closing_spam_rating_review_pin_update() -> None:
    script = (
        Script()
        .at(
            0,
            "conversation.opened",
            channel_id="web",
            medium="chat",
            direction="inbound",
            page_url="https://example.com/pricing",
        )
        .at(1, "conversation.accepted", operator_id="bob")
        .message(2, "operator", operator_id="bob", text="?")
        .at(3, "conversation.closing")
        .at(4, "conversation.pinned", operator_id="bob")
        .at(
            5,
            "conversation.updated",
            topic="billing",
            crm_ref="deal-7",
            form_filled=True,
            history_requested=True,
            client={"email": "a@example.com"},
        )
        .at(6, "conversation.rated", score=5)
        .at(7, "conversation.reviewed", rating=4, comment="Вежливо", actor="alice")
    )
    s = state.fold(script.events)
    assert statuses(s) == ("answered", "closing", "answered")
    assert (s.pinned_operator_id, s.topic, s.crm_ref) == ("bob", "billing", "deal-7")
    assert s.form_filled and s.history_requested and s.client_email == "a@example.com"
    assert (s.client_rating, s.supervisor_rating, s.supervisor_comment) == (5, 4, "Вежливо")
    script.at(8, "conversation.closed", by="operator", spam=True, reason="реклама")
    s = state.fold(script.events)
    assert statuses(s) == ("closed", "spam", "closed") and s.spam and s.close_reason == "реклама"


def test_events_of_one_instant_fold_in_causal_order() -> None:
    script = (
        Script()
        .at(0, "conversation.opened", channel_id="web", medium="chat", direction="inbound")
        .at(0, "message.created", message_id="m0", author="client", text="hi")
        .at(0, "conversation.accepted", operator_id="bob")
    )
    s = state.fold(list(reversed(script.events)))
    assert s == state.fold(script.events)
    # opened < accepted < message: the client's message counts as written after the take
    assert statuses(s) == ("waiting", "waiting", "unanswered")
    assert s.channel_id == "web" and s.created_at == T0


def test_closed_is_final_for_routing_but_not_for_ratings() -> None:
    script = (
        Script()
        .at(
            0,
            "conversation.opened",
            channel_id="web",
            medium="chat",
            direction="inbound",
            group_id="support",
        )
        .at(5, "conversation.accepted", operator_id="bob")
        .at(9, "conversation.closed", by="operator", operator_id="bob")
        .at(10, "conversation.transferred", to_group_id="vip", actor="alice")
        .at(11, "conversation.accepted", operator_id="eve")
        .at(12, "conversation.rated", score=5)
    )
    s = state.fold(script.events)
    assert (s.group_id, s.operator_id, s.transfers) == ("support", "bob", 0)
    assert statuses(s) == ("closed", "closed", "closed")
    assert s.client_rating == 5 and s.changed_at == T0 + timedelta(seconds=12)


# -- the contact's queue, kept for the KPIs --------------------------------------------------


def call(group_id: str | None = "sales") -> Script:
    return Script("q").at(
        0,
        "conversation.opened",
        channel_id="phone",
        medium="call",
        direction="inbound",
        group_id=group_id,
    )


def test_queue_taken_by_an_operator() -> None:
    script = call().at(12, "conversation.accepted", operator_id="bob")
    waiting = state.fold(script.events[:1])
    assert (waiting.queue_since, waiting.left_queue_at, waiting.queue_wait) == (T0, None, None)
    s = state.fold(script.events)
    assert (s.queue_since, s.left_queue_at) == (None, T0 + timedelta(seconds=12))
    assert (s.queue_group_id, s.accepted_operator_id, s.queue_wait, s.lost) == (
        "sales",
        "bob",
        12,
        False,
    )


def test_queue_left_untaken_is_lost_unless_spam() -> None:
    script = call().at(30, "conversation.closed", by="client")
    s = state.fold(script.events)
    assert (s.left_queue_at, s.queue_wait, s.lost) == (T0 + timedelta(seconds=30), 30, True)
    assert (s.queue_since, s.accepted_operator_id, s.queue_group_id) == (None, None, "sales")
    spam = call().at(30, "conversation.closed", by="operator", operator_id="bob", spam=True)
    assert not state.fold(spam.events).lost


def test_hung_up_in_the_ivr_never_queued_is_neither_taken_nor_lost() -> None:
    s = state.fold(call(group_id=None).at(8, "conversation.closed", by="client").events)
    assert (s.queued_at, s.left_queue_at, s.queue_wait, s.lost) == (None, None, None, False)


def test_taken_without_a_queue_waited_zero() -> None:
    s = state.fold(call(group_id=None).at(3, "conversation.accepted", operator_id="bob").events)
    assert (s.left_queue_at, s.queue_wait, s.accepted_operator_id) == (
        T0 + timedelta(seconds=3),
        0,
        "bob",
    )


def test_a_move_between_queues_keeps_the_wait_and_counts_for_the_new_group() -> None:
    script = (
        call()
        .at(10, "conversation.transferred", to_group_id="vip")
        .at(25, "conversation.accepted", operator_id="eve")
    )
    assert state.fold(script.events[:2]).queue_since == T0
    s = state.fold(script.events)
    assert (s.queue_group_id, s.accepted_operator_id, s.queue_wait) == ("vip", "eve", 25)


def test_a_requeue_after_the_take_waits_again_but_is_never_lost() -> None:
    script = (
        call()
        .at(5, "conversation.accepted", operator_id="bob")
        .at(20, "conversation.transferred", to_group_id="vip", actor="alice")
    )
    s = state.fold(script.events)
    assert (s.queue_since, s.queue_group_id, s.left_queue_at) == (
        T0 + timedelta(seconds=20),
        "sales",
        T0 + timedelta(seconds=5),
    )
    s = state.fold(script.at(50, "conversation.closed", by="client").events)
    assert (s.lost, s.queue_since, s.queue_wait) == (False, None, 5)


def test_an_operator_message_takes_a_chat_from_the_queue() -> None:
    script = (
        Script()
        .at(0, "conversation.opened", channel_id="tg", medium="chat", direction="inbound")
        .at(4, "conversation.queued", group_id="support")
        .message(9, "operator", operator_id="bob", text="Здравствуйте")
    )
    s = state.fold(script.events)
    assert (s.queue_wait, s.accepted_operator_id, s.accepted_at) == (5, "bob", None)


def test_wrapup_seconds() -> None:
    script = (
        call()
        .at(5, "conversation.accepted", operator_id="bob")
        .at(60, "conversation.closed", by="client")
    )
    assert state.fold(script.events).wrapup_seconds is None
    script.at(75, "conversation.wrapup_done", operator_id="bob")
    assert state.fold(script.events).wrapup_seconds == 15
