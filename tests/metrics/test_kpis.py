"""Each KPI against hand-computed values for small scenes (pure: no database)."""

from datetime import UTC, datetime

from pytest import approx

from dozor.metrics import windows
from dozor.metrics.kpis import compute
from dozor.metrics.records import GroupRules, Rules, Scope
from dozor.metrics.windows import Window
from tests.factories import Script
from tests.metrics.scenarios import TEN_MINUTES, at, contacts, inbound, operator, outbound

DESIGN_KEYS = [
    "accepted",
    "lost",
    "short_abandoned",
    "lost_pct",
    "in_queue",
    "max_wait_now",
    "avg_wait",
    "max_wait",
    "service_level",
    "immediate_answer_pct",
    "operators_online",
    "operators_total",
    "free_operators",
    "on_group_calls",
    "on_personal_calls",
    "utilization",
    "avg_inbound_talk",
    "successful_inbound_pct",
    "outbound_calls",
    "connect_pct",
    "avg_outbound_talk",
    "successful_outbound_pct",
    "group_intensity",
    "frt_avg",
    "frt_max",
    "aht",
    "csat",
    "new",
    "unanswered",
    "answered",
    "overdue",
]


def kpis(scripts: list[Script], window: Window = TEN_MINUTES, **options):  # type: ignore[no-untyped-def]
    agents = options.pop("agents", [])
    return compute(contacts(scripts, window.end), agents, window, **options)


def queue_scene() -> list[Script]:
    return [
        inbound("taken").at(12, "conversation.accepted", operator_id="bob"),
        inbound("lost", 10).at(40, "conversation.closed", by="client"),
        inbound("short", 20).at(23, "conversation.closed", by="client"),
        inbound("ivr", 30, group=None).at(50, "conversation.closed", by="client"),
        inbound("direct", 60, group=None).at(61, "conversation.accepted", operator_id="eve"),
        inbound("later", 70, group=None)
        .at(80, "conversation.queued", group_id="sales")
        .at(85, "conversation.accepted", operator_id="bob"),
    ]


def test_every_key_of_design_in_its_order_and_nulls_where_nothing_was_measured() -> None:
    values = compute([], [], TEN_MINUTES)
    assert list(values) == DESIGN_KEYS
    counts = [k for k, v in values.items() if isinstance(v, int)]
    assert {k: values[k] for k in counts} == dict.fromkeys(counts, 0)
    assert values["max_wait_now"] == 0
    assert {k for k, v in values.items() if v is None} == set(DESIGN_KEYS) - set(counts) - {
        "max_wait_now"
    }


def test_accepted_lost_short_abandons_and_waits() -> None:
    values = kpis(queue_scene())
    # taken: waited 12; direct: never queued, 0; later: queued at 80, taken at 85: 5
    assert (values["accepted"], values["lost"], values["short_abandoned"]) == (3, 1, 1)
    assert values["lost_pct"] == 25
    assert values["avg_wait"] == (12 + 30 + 0 + 5) / 4  # the short abandon is left out
    assert values["max_wait"] == 30
    assert values["service_level"] == 75  # 3 within 20 s of 4 offered
    assert values["immediate_answer_pct"] == approx(100 / 3)


def test_short_abandon_threshold_is_the_groups() -> None:
    strict = Rules(groups={"sales": GroupRules(short_abandon=0)})
    assert (kpis(queue_scene(), rules=strict)["lost"], kpis(queue_scene())["lost"]) == (2, 1)
    patient = Rules(groups={"sales": GroupRules(short_abandon=60)})
    values = kpis(queue_scene(), rules=patient)
    assert (values["lost"], values["short_abandoned"], values["lost_pct"]) == (0, 2, 0)


def test_service_level_variants_and_threshold() -> None:
    scene = [*queue_scene(), inbound("quick-loss", 100).at(115, "conversation.closed", by="client")]

    def level(**rules) -> float | None:  # type: ignore[no-untyped-def]
        return kpis(scene, rules=Rules(groups={"sales": GroupRules(**rules)}))["service_level"]

    assert level() == 60  # 3 met / (3 accepted + 2 lost)
    assert level(sl_variant="abandons_ignored") == 100  # 3 / 3
    assert level(sl_variant="abandons_within_t_met") == 80  # (3 + the loss after 15 s) / 5
    assert level(sl_threshold=10) == 40  # waits 0 and 5 only


def test_a_move_between_queues_counts_for_the_new_group_with_its_rules() -> None:
    scene = [
        inbound("moved")
        .at(10, "conversation.transferred", to_group_id="vip")
        .at(25, "conversation.accepted", operator_id="eve")
    ]
    rules = Rules(groups={"vip": GroupRules(sl_threshold=30)})
    vip = kpis(scene, scope=Scope(groups=frozenset({"vip"})), rules=rules)
    assert (vip["accepted"], vip["avg_wait"], vip["service_level"]) == (1, 25, 100)
    assert kpis(scene, scope=Scope(groups=frozenset({"sales"})))["accepted"] == 0


def test_a_requeue_after_the_take_waits_in_the_new_queue_and_is_never_lost() -> None:
    scene = [
        inbound("back")
        .at(5, "conversation.accepted", operator_id="bob")
        .at(20, "conversation.transferred", to_group_id="vip", actor="alice")
    ]
    then = Window(at(0), at(30))
    values = kpis(scene, then)
    assert (values["accepted"], values["in_queue"], values["max_wait_now"]) == (1, 1, 10)
    assert kpis(scene, then, scope=Scope(groups=frozenset({"vip"})))["in_queue"] == 1
    assert kpis(scene, then, scope=Scope(groups=frozenset({"vip"})))["accepted"] == 0
    scene[0].at(50, "conversation.closed", by="client")
    values = kpis(scene)
    assert (values["accepted"], values["lost"], values["in_queue"]) == (1, 0, 0)


def test_the_now_values_are_the_state_at_the_end_of_the_window() -> None:
    scene = [inbound("q").at(30, "conversation.accepted", operator_id="bob")]
    before = kpis(scene, Window(at(0), at(25)))
    assert (before["in_queue"], before["max_wait_now"], before["accepted"]) == (1, 25, 0)
    assert (before["new"], before["overdue"]) == (1, 1)  # a call must be taken within 20 s
    after = kpis(scene, Window(at(0), at(40)))
    assert (after["in_queue"], after["max_wait_now"], after["accepted"]) == (0, 0, 1)
    assert (after["new"], after["answered"], after["overdue"]) == (0, 1, 0)


def test_spam_closed_from_the_queue_is_not_lost() -> None:
    scene = [inbound("spam").at(30, "conversation.closed", by="operator", spam=True)]
    values = kpis(scene)
    assert (values["lost"], values["short_abandoned"], values["lost_pct"]) == (0, 0, None)


def test_inbound_talk_and_aht_with_hold_and_after_call_work() -> None:
    scene = [
        inbound("held")
        .at(10, "conversation.accepted", operator_id="bob")
        .at(20, "conversation.hold", on=True)
        .at(30, "conversation.hold", on=False)
        .at(70, "conversation.closed", by="client")
        .at(100, "conversation.wrapup_done", operator_id="bob"),
        inbound("no-wrapup", 140)
        .at(150, "conversation.accepted", operator_id="eve")
        .at(200, "conversation.closed", by="client"),
        inbound("short-talk")
        .at(10, "conversation.accepted", operator_id="ann")
        .at(25, "conversation.closed", by="client"),
        inbound("talking").at(5, "conversation.accepted", operator_id="joe"),
    ]
    values = kpis(scene)
    assert values["avg_inbound_talk"] == approx((50 + 50 + 15) / 3)
    assert values["successful_inbound_pct"] == approx(200 / 3)
    # handled: 60 + 30 wrap-up; 50 + 300 (the limit); 15 + 300
    assert values["aht"] == approx((90 + 350 + 315) / 3)
    # at 300 s the after-call work without a wrap-up event is still running
    assert kpis(scene, Window(at(0), at(300)))["aht"] == approx((90 + 150 + 290) / 3)
    # the limit caps a reported wrap-up too, as the operators list does
    assert kpis(scene, rules=Rules(wrapup_limit=0))["aht"] == approx((60 + 50 + 15) / 3)


def test_outbound_calls_connect_talk_and_intensity() -> None:
    scene = [
        outbound("o1")
        .at(10, "conversation.accepted", operator_id="bob")
        .at(50, "conversation.closed", by="operator"),
        outbound("o2", 20).at(45, "conversation.closed", by="operator", operator_id="bob"),
        outbound("o3", 30)
        .at(35, "conversation.accepted", operator_id="bob")
        .at(55, "conversation.closed", by="client"),
        outbound("before", -30)
        .at(-20, "conversation.accepted", operator_id="bob")
        .at(100, "conversation.closed", by="client"),
    ]
    bob = operator("bob", (-100, "online"))
    eve = operator("eve", (300, "online"), (400, "offline"))
    values = kpis(scene, agents=[bob, eve, operator("ann")])
    assert (values["outbound_calls"], values["connect_pct"]) == (3, approx(200 / 3))
    assert values["avg_outbound_talk"] == 60  # 40, 20 and 120: talk counts by close time
    assert values["successful_outbound_pct"] == approx(200 / 3)
    assert values["group_intensity"] == 1.5  # 3 calls, 2 operators online in the window
    assert (values["accepted"], values["avg_inbound_talk"]) == (0, None)


def test_first_response_time_and_csat() -> None:
    scene = [
        inbound("f1", medium="chat", group="support")
        .at(5, "conversation.accepted", operator_id="bob")
        .message(20, "operator", operator_id="bob", text="Здравствуйте")
        .at(100, "conversation.closed", by="operator", operator_id="bob")
        .at(101, "conversation.rated", score=5),
        inbound("f2", medium="chat", group="support")
        .message(3, "client", text="?")
        .message(50, "operator", operator_id="eve", text="Да")
        .at(110, "conversation.closed", by="client")
        .at(120, "conversation.rated", score=3),
        inbound("f3", medium="email", group="mail").message(90, "operator", operator_id="eve"),
        inbound("f4", medium="chat")
        .at(2, "conversation.accepted", operator_id="bob")
        .at(130, "conversation.closed", by="client")
        .at(140, "conversation.rated", score=4),
        inbound("rated-later", medium="chat")
        .at(2, "conversation.accepted", operator_id="bob")
        .at(500, "conversation.closed", by="client")
        .at(700, "conversation.rated", score=1),
        inbound("call").at(7, "conversation.accepted", operator_id="ann"),
    ]
    values = kpis(scene)
    assert (values["frt_avg"], values["frt_max"]) == (approx((20 + 50 + 90) / 3), 90)
    assert values["csat"] == approx(200 / 3)  # the rating given after the window is not known
    assert kpis(scene, scope=Scope(media=frozenset({"email"})))["frt_avg"] == 90


def test_work_states_and_overdue_at_the_end() -> None:
    scene = [
        inbound("new", medium="chat", group=None),
        inbound("fresh", 540, medium="chat")
        .at(550, "conversation.accepted", operator_id="bob")
        .message(560, "client", text="?"),
        inbound("answered", medium="chat")
        .at(10, "conversation.accepted", operator_id="bob")
        .message(20, "operator", operator_id="bob", text="!"),
        inbound("forgotten", medium="chat").at(10, "conversation.accepted", operator_id="eve"),
        inbound("closed", medium="chat").at(10, "conversation.closed", by="client"),
    ]
    values = kpis(scene)
    assert [values[k] for k in ("new", "unanswered", "answered", "overdue")] == [1, 2, 1, 2]
    assert kpis(scene, scope=Scope(operators=frozenset({"eve"})))["unanswered"] == 1


def test_scope_by_channel_medium_and_operator() -> None:
    scene = [
        *queue_scene(),
        inbound("chat", medium="chat", group="support").at(
            9, "conversation.accepted", operator_id="bob"
        ),
    ]
    assert kpis(scene, scope=Scope(media=frozenset({"chat"})))["accepted"] == 1
    assert kpis(scene, scope=Scope(channels=frozenset({"phone"})))["accepted"] == 3
    bob = kpis(scene, scope=Scope(operators=frozenset({"bob"})))
    # a lost contact belongs to no operator
    assert (bob["accepted"], bob["lost"], bob["avg_wait"]) == (3, 0, (12 + 5 + 9) / 3)


def test_today_starts_at_midnight_in_the_centers_time_zone() -> None:
    ten_am_moscow = datetime(2026, 3, 2, 7, 0, tzinfo=UTC)
    today = windows.last("today", at=ten_am_moscow, timezone="Europe/Moscow")
    assert today == Window(datetime(2026, 3, 1, 21, 0, tzinfo=UTC), ten_am_moscow)
    yesterday = Script("yesterday", start=datetime(2026, 3, 1, 20, 59, 50, tzinfo=UTC))
    midnight = Script("midnight", start=datetime(2026, 3, 1, 20, 59, 55, tzinfo=UTC))
    for script in (yesterday, midnight):
        script.at(0, "conversation.opened", channel_id="phone", medium="call", direction="inbound")
    yesterday.at(9, "conversation.accepted", operator_id="bob")  # 23:59:59 in Moscow
    midnight.at(5, "conversation.accepted", operator_id="bob")  # 00:00:00 in Moscow
    values = compute(contacts([yesterday, midnight], ten_am_moscow), [], today)
    assert values["accepted"] == 1
