"""Overdue in the dialog list follows the admin's targets and business hours, as the console does:
the SQL cutoffs agree with ``dozor.live.targets`` (a property), and the list, its sort, its
columns, the API and the page judge by the stored targets on both databases."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dozor.clock import ManualClock
from dozor.conversations import listing
from dozor.conversations.overdue import cutoff_of
from dozor.events.writer import Writer
from dozor.live import hours, sla_service
from dozor.live.targets import SlaRules
from tests.conversations.dialogs import chat, ids, store
from tests.factories import T0

SPECS = (
    "mon-fri 09:00-18:00",
    "mon-fri 09:00-13:00,14:00-18:00; sat 10:00-14:00",
    "mon 09:00-09:01",
    "tue 23:00-24:00; wed 00:00-01:00",
    "mon-sun 00:00-24:00",
    "",
)
ZONES = ("Europe/Moscow", "UTC", "Asia/Kolkata")
Sessions = async_sessionmaker[AsyncSession]


def _overdue_by_cutoff(since: datetime, now: datetime, limit: float, week, zone) -> bool:  # type: ignore[no-untyped-def]
    cutoff = cutoff_of(now, limit, week, zone)
    if cutoff is None:
        return False
    moment, inclusive = cutoff
    return since <= moment if inclusive else since < moment


@settings(max_examples=3000, deadline=None)
@given(
    spec=st.sampled_from(SPECS),
    zone=st.sampled_from(ZONES),
    now_minutes=st.integers(0, 14 * 1440),
    now_seconds=st.sampled_from([0, 0.5, 30]),
    back=st.one_of(st.integers(0, 5 * 86400), st.integers(0, 7200).map(lambda m: m * 60)),
    limit=st.sampled_from([0, 60, 240, 3600, 4 * 3600, 9 * 3600, 777.5]),
)
def test_the_sql_cutoff_agrees_with_the_consoles_deadline(
    spec: str, zone: str, now_minutes: int, now_seconds: float, back: int, limit: float
) -> None:
    week, where = hours.parse(spec), ZoneInfo(zone)
    now = T0 + timedelta(minutes=now_minutes, seconds=now_seconds)
    for since in (now - timedelta(seconds=back), now - timedelta(seconds=limit)):
        due = hours.add_open_time(since, limit, week, where)
        expected = due is not None and now > due
        assert _overdue_by_cutoff(since, now, limit, week, where) == expected, (since, now)


def test_a_clock_without_hours_runs_out_a_target_after_its_start() -> None:
    moment = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert cutoff_of(moment, 60, None, ZoneInfo("UTC")) == (moment - timedelta(seconds=60), False)
    assert cutoff_of(moment, 60, hours.parse(""), ZoneInfo("UTC")) is None  # never open


async def _put(sessions: Sessions, *, target: dict | None = None, spec: str | None = None) -> None:
    async with sessions() as session, session.begin():
        if target is not None:
            await sla_service.put_target(session, values=target)
        if spec is not None:
            await sla_service.put_hours(session, group_id="support", spec=spec)


async def _rules(sessions: Sessions) -> SlaRules:
    async with sessions() as session:
        return await sla_service.rules(session, timezone="Europe/Moscow")


async def test_the_list_judges_overdue_by_the_admins_targets(
    writer: Writer, sessions: Sessions
) -> None:
    # both new since 0 s; chats must be taken within 60 s by default, within 300 s in support
    await store(writer, chat("support", at=0), chat("sales", at=0, group="sales"))
    target = {"group_id": "support", "medium": "chat", "new": 300, "unanswered": None}
    await _put(sessions, target={**target, "answered": None})
    sla = await _rules(sessions)
    later = T0 + timedelta(seconds=120)
    assert await ids(sessions, now=later, sla=sla, overdue="true") == ["sales"]
    assert await ids(sessions, now=later, sla=sla, overdue="false") == ["support"]
    assert await ids(sessions, now=later, overdue="true") == ["sales", "support"]  # defaults
    much_later = T0 + timedelta(seconds=301)
    assert set(await ids(sessions, now=much_later, sla=sla, overdue="true")) == {"sales", "support"}
    by_overdue = listing.Sort("overdue", descending=True)
    assert await ids(sessions, now=later, sla=sla, sort=by_overdue) == ["sales", "support"]
    assert await ids(sessions, now=later, sla=sla, sort=by_overdue, limit=1) == ["sales"]


async def test_an_e_mail_clock_stops_outside_the_groups_business_hours(
    writer: Writer, sessions: Sessions
) -> None:
    # Monday 12:00 in Moscow; open 09:00-13:00 on weekdays: 1 h left today, 3 h on Tuesday,
    # so the 4 h of a new e-mail run out on Tuesday at 12:00 (09:00 UTC), 24 h later
    await store(writer, chat("mail", at=0, medium="email"))
    await _put(sessions, spec="mon-fri 09:00-13:00")
    sla = await _rules(sessions)
    for seconds, expected in ((5 * 3600, []), (24 * 3600, []), (24 * 3600 + 1, ["mail"])):
        now = T0 + timedelta(seconds=seconds)
        assert await ids(sessions, now=now, sla=sla, overdue="true") == expected, seconds
    assert await ids(sessions, now=T0 + timedelta(hours=5), overdue="true") == ["mail"]


def test_the_api_and_the_page_follow_the_targets_an_admin_sets(
    api: TestClient, clock: ManualClock
) -> None:
    opened = {
        "id": "c1-0",
        "type": "conversation.opened",
        "ts": T0.isoformat(),
        "conversation_id": "c1",
        "channel_id": "web",
        "medium": "chat",
        "direction": "inbound",
        "group_id": "support",
    }
    assert api.post("/api/v1/events", json=[opened]).status_code == 200
    body = {"new": 300, "unanswered": 120, "answered": 1800}
    assert api.put("/api/v1/sla-targets/chat/support", json=body).status_code == 200
    clock.advance(120)  # overdue by DESIGN.md's 60 s, not by the admin's 300 s

    def overdue() -> tuple[list[str], bool, bool]:
        listed = api.get("/api/v1/conversations", params={"overdue": "true"}).json()["items"]
        everything = api.get("/api/v1/conversations").json()["items"]
        one = api.get("/api/v1/conversations/c1").json()
        return [item["id"] for item in listed], everything[0]["overdue"], one["overdue"]

    assert overdue() == ([], False, False)
    assert api.get("/api/v1/conversations/summary", params={"overdue": "true"}).json()["count"] == 0
    clock.advance(181)
    assert overdue() == (["c1"], True, True)
    csv = api.get("/api/v1/conversations/export", params={"columns": ["number", "overdue"]})
    assert csv.status_code == 200 and csv.text.splitlines()[1].endswith("Да")
