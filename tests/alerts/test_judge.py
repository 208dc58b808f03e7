"""The alert state machine, pure: zones with hysteresis and a minimum duration, and the
notices they owe (docs/alerts.md, "Evaluation")."""

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from dozor.alerts import judge
from dozor.alerts.judge import Levels, Notice, Track
from tests.factories import T0

WAIT = Levels(yellow=60, red=120)  # seconds: higher is worse
SERVICE = Levels(yellow=80, red=60, worse="lower")  # per cent: lower is worse


def run(
    levels: Levels,
    values: list[tuple[float, float | None]],  # (seconds after T0, value)
    *,
    hysteresis: float = 0,
    min_duration: float = 0,
    repeat_every: float = 0,
) -> tuple[Track, list[tuple[float, str, float | None]]]:
    """The track at the end and the notices as (seconds, kind, threshold)."""
    track, told = Track("ok", T0), []
    for seconds, value in values:
        now = T0 + timedelta(seconds=seconds)
        track, notice = judge.step(
            levels,
            track,
            value,
            now,
            hysteresis=hysteresis,
            min_duration=min_duration,
            repeat_every=repeat_every,
        )
        if notice is not None:
            told.append((seconds, notice.kind, notice.threshold))
    return track, told


def test_a_growing_wait_goes_yellow_then_red_and_recovers() -> None:
    track, told = run(WAIT, [(0, 0), (30, 30), (61, 61), (90, 90), (121, 121), (130, 0)])
    assert told == [(61, "yellow", 60), (121, "red", 120), (130, "recovered", 120)]
    assert track == Track("ok", T0 + timedelta(seconds=130), notified_at=track.notified_at, value=0)


def test_a_zone_is_entered_on_reaching_its_level() -> None:
    assert run(WAIT, [(1, 60)])[1] == [(1, "yellow", 60)]
    assert run(WAIT, [(1, 59.9)])[1] == []
    assert run(WAIT, [(1, 500)])[1] == [(1, "red", 120)]  # straight to red, no yellow told


def test_red_to_yellow_to_ok_tells_each_step_with_the_level_left() -> None:
    _, told = run(WAIT, [(0, 130), (10, 100), (20, 10)])
    assert told == [(0, "red", 120), (10, "yellow", 120), (20, "recovered", 60)]


def test_a_value_hovering_at_the_line_does_not_flap_with_hysteresis() -> None:
    hovering = [(s, 60 + (-1) ** s * 2) for s in range(60)]  # 62, 58, 62, 58 …
    assert len(run(WAIT, hovering)[1]) > 20  # without hysteresis it would flap
    track, told = run(WAIT, hovering, hysteresis=5)
    assert told == [(0, "yellow", 60)] and track.zone == "yellow"
    _, told = run(WAIT, [*hovering, (60, 55.5), (61, 54.9)], hysteresis=5)
    assert told == [(0, "yellow", 60), (61, "recovered", 60)]  # past the line by 5: left


def test_hysteresis_applies_to_each_zone_left_on_the_way_down() -> None:
    levels_, h = WAIT, 5
    assert run(levels_, [(0, 130), (1, 116)], hysteresis=h)[1] == [(0, "red", 120)]
    _, told = run(levels_, [(0, 130), (1, 58)], hysteresis=h)
    assert told == [(0, "red", 120), (1, "yellow", 120)]  # out of red, not yet out of yellow
    assert judge.judged(58, levels_, "red", h) == "yellow"
    assert judge.judged(54, levels_, "red", h) == "ok"
    assert judge.judged(119, levels_, "yellow", h) == "yellow"
    assert judge.judged(120, levels_, "yellow", h) == "red"  # worse at once


def test_a_hovering_value_does_not_flap_with_a_minimum_duration() -> None:
    hovering = [(s * 5, 62 if s % 2 else 58) for s in range(41)]  # flips every 5 s
    assert run(WAIT, hovering, min_duration=10)[1] == []
    _, told = run(WAIT, [*hovering, (205, 62), (210, 63), (215, 64)], min_duration=10)
    assert told == [(215, "yellow", 60)]


def test_the_minimum_duration_starts_again_when_the_candidate_changes() -> None:
    _, told = run(WAIT, [(0, 70), (20, 130), (40, 130), (50, 130)], min_duration=30)
    assert told == [(50, "red", 120)]  # red held 30 s from 20; yellow never held 30 s
    _, told = run(WAIT, [(0, 70), (20, 10), (25, 70), (50, 70), (55, 70)], min_duration=30)
    assert told == [(55, "yellow", 60)]  # back to ok at 20: the yellow candidate restarted


def test_the_zone_began_when_its_candidate_did() -> None:
    track, _ = run(WAIT, [(0, 10), (5, 70), (20, 70), (40, 70)], min_duration=30)
    assert track.zone == "yellow"
    assert track.since == T0 + timedelta(seconds=5)
    assert track.notified_at == T0 + timedelta(seconds=40)
    assert track.pending_zone is None and track.pending_since is None


def test_a_pending_candidate_is_kept_in_the_track() -> None:
    track, told = run(WAIT, [(0, 10), (5, 70), (20, 70)], min_duration=30)
    assert told == [] and track.zone == "ok"
    assert (track.pending_zone, track.pending_since) == ("yellow", T0 + timedelta(seconds=5))
    assert track.value == 70
    # the key (what is stored) ignores the value, which moves all the time
    assert (
        judge.step(
            WAIT,
            track,
            71,
            T0 + timedelta(seconds=21),
            hysteresis=0,
            min_duration=30,
            repeat_every=0,
        )[0].key()
        == track.key()
    )


def test_red_is_repeated_every_interval_never_sooner() -> None:
    values = [(s, 150) for s in range(0, 3000, 7)]
    _, told = run(WAIT, values, repeat_every=900)
    assert [(s, kind) for s, kind, _ in told] == [
        (0, "red"),
        (903, "repeat"),
        (1806, "repeat"),
        (2709, "repeat"),
    ]
    assert all(threshold == 120 for *_, threshold in told)


def test_no_repeat_when_repeat_every_is_zero_nor_while_yellow() -> None:
    assert run(WAIT, [(s, 150) for s in range(0, 5000, 60)])[1] == [(0, "red", 120)]
    _, told = run(WAIT, [(s, 70) for s in range(0, 5000, 60)], repeat_every=600)
    assert told == [(0, "yellow", 60)]


def test_a_repeat_counts_from_the_last_notice_of_any_kind() -> None:
    values = [(0, 150), (100, 70), (200, 150), (700, 150), (1099, 150), (1100, 150)]
    _, told = run(WAIT, values, repeat_every=900)
    assert [(s, kind) for s, kind, _ in told] == [
        (0, "red"),
        (100, "yellow"),
        (200, "red"),
        (1100, "repeat"),
    ]


def test_nothing_to_measure_counts_as_ok() -> None:
    _, told = run(WAIT, [(0, 130), (10, None)], hysteresis=50)
    assert told == [(0, "red", 120), (10, "recovered", 120)]
    assert run(SERVICE, [(0, None), (10, None)])[1] == []  # no calls yet: no alarm


def test_lower_is_worse() -> None:
    _, told = run(SERVICE, [(0, 95), (1, 80), (2, 70), (3, 60), (4, 75), (5, 90)])
    assert told == [(1, "yellow", 80), (3, "red", 60), (4, "yellow", 60), (5, "recovered", 80)]
    _, told = run(SERVICE, [(0, 79), (1, 81), (2, 84), (3, 86)], hysteresis=5)
    assert told == [(0, "yellow", 80), (3, "recovered", 80)]  # left above 80 + 5


def test_a_missing_level_never_fires() -> None:
    only_red = Levels(yellow=None, red=120)
    _, told = run(only_red, [(0, 100), (1, 130), (2, 100)])
    assert told == [(1, "red", 120), (2, "recovered", 120)]
    only_yellow = Levels(yellow=60, red=None)
    _, told = run(only_yellow, [(0, 1e9), (1, 0)])
    assert told == [(0, "yellow", 60), (1, "recovered", 60)]
    assert judge.judged(5, Levels(None, 10, "lower"), "ok", 0) == "red"


def test_levels_changed_under_a_track_are_judged_anew() -> None:
    track = Track("red", T0, notified_at=T0)
    moved = Levels(yellow=300, red=None)  # the rule was edited: red is gone
    after, notice = judge.step(
        moved, track, 130, T0 + timedelta(seconds=1), hysteresis=0, min_duration=0, repeat_every=900
    )
    assert after.zone == "ok" and notice == Notice("recovered", "red", "ok", None, after.since)


# -- properties -------------------------------------------------------------------------------

values = st.one_of(st.none(), st.floats(min_value=-10, max_value=200, allow_nan=False))
steps = st.lists(st.tuples(st.integers(min_value=0, max_value=120), values), max_size=80)
levels = st.builds(
    lambda a, b, worse, drop: (
        Levels(
            *sorted((a, b), reverse=worse == "lower"),  # type: ignore[call-arg]
            worse=worse,
        )
        if drop == "none"
        else Levels(None if drop == "yellow" else a, None if drop == "red" else a, worse)
    ),
    st.floats(0, 150),
    st.floats(0, 150),
    st.sampled_from(["higher", "lower"]),
    st.sampled_from(["none", "none", "yellow", "red"]),
)


@given(
    levels=levels,
    steps=steps,
    hysteresis=st.sampled_from([0, 0.5, 5, 30]),
    min_duration=st.sampled_from([0, 10, 45]),
    repeat_every=st.sampled_from([0, 60, 300]),
)
def test_notices_tell_each_zone_once_and_never_repeat_too_soon(
    levels: Levels,
    steps: list[tuple[int, float | None]],
    hysteresis: float,
    min_duration: int,
    repeat_every: int,
) -> None:
    track, now, told = Track("ok", T0), T0, []
    for gap, value in steps:
        now += timedelta(seconds=gap)
        before = track
        track, notice = judge.step(
            levels,
            track,
            value,
            now,
            hysteresis=hysteresis,
            min_duration=min_duration,
            repeat_every=repeat_every,
        )
        if notice is None:
            assert track.zone == before.zone and track.notified_at == before.notified_at
            continue
        assert track.notified_at == now and track.zone == notice.zone_to
        assert notice.zone_from == before.zone
        if notice.kind == "repeat":
            assert before.zone == "red" and repeat_every > 0
            assert (now - (before.notified_at or before.since)).total_seconds() >= repeat_every
        else:
            assert notice.zone_to != notice.zone_from  # no zone entered twice in a row
            assert (now - notice.since).total_seconds() >= min_duration
            assert notice.kind == {"ok": "recovered"}.get(notice.zone_to, notice.zone_to)
        told.append((now, notice))
    for (at, first), (later, second) in zip(told, told[1:], strict=False):
        if second.kind == "repeat":
            assert (later - at).total_seconds() >= repeat_every  # never more often
        if first.kind != "repeat" and second.kind != "repeat":
            assert second.zone_from == first.zone_to


@given(steps=steps, worse=st.sampled_from(["higher", "lower"]))
def test_with_hysteresis_a_better_zone_needs_the_value_past_the_line(
    steps: list[tuple[int, float | None]], worse: str
) -> None:
    levels_ = Levels(60, 120, worse) if worse == "higher" else Levels(120, 60, worse)  # type: ignore[arg-type]
    sign = 1 if worse == "higher" else -1
    track, now = Track("ok", T0), T0
    for gap, value in steps:
        now += timedelta(seconds=gap)
        before = track
        track, _ = judge.step(
            levels_, track, value, now, hysteresis=10, min_duration=0, repeat_every=0
        )
        if value is not None and judge.RANK[track.zone] < judge.RANK[before.zone]:
            left = levels_.of(before.zone)
            assert left is not None and sign * value < sign * left - 10
