"""The schedule, pure: daily at a local time in a timezone (across the DST changes), every period, the catch-up
decision at start, and how `timing_for` combines the config's `schedule` with command-line overrides.

Expected instants are computed by hand: Europe/Paris is UTC+1 in winter (CET) and UTC+2 in summer (CEST); in 2026
the clocks go forward on 29 March at 02:00 CET (01:00 UTC: 02:00-03:00 local does not exist) and back on 25 October
at 03:00 CEST (01:00 UTC: 02:00-03:00 local happens twice)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest

from sheets_pipeline.config import Config
from sheets_pipeline.timing import Timing, timing_for

PARIS = ZoneInfo("Europe/Paris")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def as_utc(moment: datetime) -> datetime:
    """Compare instants, not wall times (a time in a DST gap or fold never compares equal across zones)."""
    assert moment.tzinfo is not None, "next_run must return an aware datetime"
    return moment.astimezone(UTC)


DAILY = Timing(zone=PARIS)  # the default: 02:00


# --- daily at 02:00 in Europe/Paris ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # winter (CET, UTC+1): 02:00 local is 01:00 UTC
        (utc(2026, 12, 4, 10, 0), utc(2026, 12, 5, 1, 0)),  # late morning: tomorrow's run
        (utc(2026, 12, 4, 0, 30), utc(2026, 12, 4, 1, 0)),  # 01:30 local: today's run is still ahead
        (utc(2026, 12, 4, 1, 0), utc(2026, 12, 5, 1, 0)),  # exactly at the run: strictly after, so tomorrow
        (utc(2026, 12, 4, 0, 59, 59), utc(2026, 12, 4, 1, 0)),
        (utc(2026, 12, 31, 23, 30), utc(2027, 1, 1, 1, 0)),  # across the new year (00:30 local on 1 January)
        # summer (CEST, UTC+2): 02:00 local is 00:00 UTC
        (utc(2026, 7, 14, 12, 0), utc(2026, 7, 15, 0, 0)),
        (utc(2026, 7, 14, 23, 59), utc(2026, 7, 15, 0, 0)),  # 01:59 local on the 15th
    ],
)
def test_daily_next_run_outside_dst_changes(after, expected):
    assert as_utc(DAILY.next_run(after)) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        # the day before the change: 02:00 CET = 01:00 UTC
        (utc(2026, 3, 27, 1, 0, 5), utc(2026, 3, 28, 1, 0)),
        # on 29 March 02:00 local does not exist; the run happens when the clocks jump (03:00 CEST = 01:00 UTC)
        (utc(2026, 3, 28, 1, 0, 5), utc(2026, 3, 29, 1, 0)),
        (utc(2026, 3, 29, 0, 30), utc(2026, 3, 29, 1, 0)),  # 01:30 CET, half an hour before the jump
        # just after that run: the next is 02:00 CEST on the 30th = 00:00 UTC (23 hours later)
        (utc(2026, 3, 29, 1, 0, 5), utc(2026, 3, 30, 0, 0)),
        (utc(2026, 3, 30, 0, 0, 5), utc(2026, 3, 31, 0, 0)),
    ],
)
def test_daily_next_run_across_spring_forward(after, expected):
    assert as_utc(DAILY.next_run(after)) == expected


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (utc(2026, 10, 23, 0, 0, 5), utc(2026, 10, 24, 0, 0)),  # 02:00 CEST = 00:00 UTC
        (utc(2026, 10, 24, 0, 0, 5), utc(2026, 10, 25, 0, 0)),  # 25 October: the first 02:00 (still CEST)
        (utc(2026, 10, 24, 23, 30), utc(2026, 10, 25, 0, 0)),  # 01:30 CEST
        # after the first 02:00 of the 25th, the repeated 02:00 (CET, 01:00 UTC) is not a second run that day
        (utc(2026, 10, 25, 0, 0, 5), utc(2026, 10, 26, 1, 0)),
        (utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 0)),  # 02:30 CEST
        (utc(2026, 10, 25, 1, 30), utc(2026, 10, 26, 1, 0)),  # 02:30 CET, the second time round
        (utc(2026, 10, 26, 1, 0, 5), utc(2026, 10, 27, 1, 0)),  # winter time: 02:00 CET = 01:00 UTC
    ],
)
def test_daily_next_run_across_fall_back(after, expected):
    assert as_utc(DAILY.next_run(after)) == expected


def test_daily_next_run_accepts_any_aware_input():
    """The same instant given in Paris time, UTC or New York time has the same next run."""
    instant = utc(2026, 10, 24, 23, 30)
    for zone in (UTC, PARIS, ZoneInfo("America/New_York")):
        assert as_utc(DAILY.next_run(instant.astimezone(zone))) == utc(2026, 10, 25, 0, 0)


def test_a_daily_loop_runs_once_per_local_day_across_both_changes():
    """Chaining next_run from one run to the next, as the loop does: one run per local day, none skipped."""
    for start, days in ((utc(2026, 3, 25, 12), 8), (utc(2026, 10, 21, 12), 8)):
        runs = []
        moment = start
        for _ in range(days):
            moment = as_utc(DAILY.next_run(moment + timedelta(seconds=30)))  # a sync takes a little while
            runs.append(moment)
        local_days = [run.astimezone(PARIS).date() for run in runs]
        assert local_days == [local_days[0] + timedelta(days=i) for i in range(days)]
        assert all(timedelta(hours=23) <= b - a <= timedelta(hours=25) for a, b in pairwise(runs))


@pytest.mark.parametrize("at", [time(2, 0), time(2, 30), time(3, 0)], ids=lambda t: t.strftime("%H%M"))
@pytest.mark.parametrize("start", [utc(2026, 3, 27), utc(2026, 10, 23)], ids=["march", "october"])
def test_next_run_is_the_first_run_strictly_after(at, start):
    """Sweep the days around each DST change every 5 minutes: the next run is always in the future, within a day
    and an hour, and it does not move while it has not happened yet (the first run strictly after `after`)."""
    timing = Timing(zone=PARIS, at=at)
    previous: tuple[datetime, datetime] | None = None
    moment = start
    while moment < start + timedelta(days=4):
        upcoming = as_utc(timing.next_run(moment))
        assert moment < upcoming <= moment + timedelta(hours=25), (moment, upcoming)
        if previous is not None and moment < previous[1]:
            assert upcoming == previous[1], (f"next_run({previous[0]:%Y-%m-%d %H:%M}Z) = {previous[1]:%Y-%m-%d %H:%M}Z "
                                             f"but next_run({moment:%Y-%m-%d %H:%M}Z) = {upcoming:%Y-%m-%d %H:%M}Z")
        previous = (moment, upcoming)
        moment += timedelta(minutes=5)


# --- every period -----------------------------------------------------------------------------------------------------

def test_every_15_minutes():
    timing = Timing(zone=PARIS, every=timedelta(minutes=15))
    assert timing.period == timedelta(minutes=15)
    assert as_utc(timing.next_run(utc(2026, 12, 4, 10, 0))) == utc(2026, 12, 4, 10, 15)
    assert as_utc(timing.next_run(utc(2026, 12, 4, 23, 50))) == utc(2026, 12, 5, 0, 5)
    # the `at` time plays no part
    assert as_utc(Timing(zone=PARIS, at=time(6, 0), every=timedelta(minutes=15)).next_run(
        utc(2026, 12, 4, 10, 7))) == utc(2026, 12, 4, 10, 22)


@pytest.mark.parametrize(
    "after",
    [utc(2026, 3, 29, 0, 50), utc(2026, 10, 25, 0, 50), utc(2026, 10, 25, 1, 50)],
    ids=["spring-forward", "fall-back-first-pass", "fall-back-second-pass"],
)
def test_every_15_minutes_is_15_real_minutes_across_dst(after):
    """A period is elapsed time: 15 minutes after an instant, whatever zone that instant is written in."""
    timing = Timing(zone=PARIS, every=timedelta(minutes=15))
    for given in (after, after.astimezone(PARIS)):
        assert as_utc(timing.next_run(given)) - after == timedelta(minutes=15), given


def test_period_of_a_daily_schedule_is_a_day():
    assert DAILY.period == timedelta(days=1)
    assert Timing(zone=PARIS, every=timedelta(hours=1)).period == timedelta(hours=1)


# --- catch-up at start ----------------------------------------------------------------------------------------------

NOW = utc(2026, 12, 4, 10, 0)


def test_due_at_start_when_never_synced():
    assert DAILY.due_at_start(None, NOW) is True
    assert Timing(zone=PARIS, every=timedelta(minutes=15)).due_at_start(None, NOW) is True


@pytest.mark.parametrize(
    ("age", "due"),
    [
        (timedelta(days=3), True),
        (timedelta(hours=25), True),
        (timedelta(days=1), True),  # exactly one period
        (timedelta(hours=23, minutes=59), False),
        (timedelta(hours=8), False),
        (timedelta(minutes=1), False),
    ],
)
def test_due_at_start_daily(age, due):
    assert DAILY.due_at_start(NOW - age, NOW) is due


@pytest.mark.parametrize(("age", "due"), [(timedelta(minutes=16), True), (timedelta(hours=5), True),
                                          (timedelta(minutes=14), False), (timedelta(seconds=10), False)])
def test_due_at_start_every_15_minutes(age, due):
    assert Timing(zone=PARIS, every=timedelta(minutes=15)).due_at_start(NOW - age, NOW) is due


def test_due_at_start_compares_instants_across_zones():
    """The status file stores the last success in the pipeline's local time; the loop's clock is UTC."""
    fresh = (NOW - timedelta(hours=2)).astimezone(PARIS)
    stale = (NOW - timedelta(hours=30)).astimezone(ZoneInfo("America/New_York"))
    assert DAILY.due_at_start(fresh, NOW) is False
    assert DAILY.due_at_start(stale, NOW) is True


# --- timing_for: the config's schedule and the command line ------------------------------------------------------------

def test_timing_for_defaults_to_daily_at_2():
    timing = timing_for(Config(), PARIS)
    assert timing == Timing(zone=PARIS, at=time(2, 0), every=None)
    assert timing.describe() == "daily at 02:00 (Europe/Paris)"


def test_timing_for_takes_the_configs_schedule():
    assert timing_for(Config(schedule={"at": "6:30"}), PARIS) == Timing(zone=PARIS, at=time(6, 30))
    every = timing_for(Config(schedule={"every": "15m"}), PARIS)
    assert every.every == timedelta(minutes=15)
    assert every.describe() == "every 15m"
    assert timing_for(Config(schedule={"every": "2h"}), PARIS).every == timedelta(hours=2)


def test_timing_for_command_line_overrides_the_config():
    config = Config(schedule={"at": "06:30", "every": "15m"})
    # --every replaces the config's period
    assert timing_for(config, PARIS, every="1h").every == timedelta(hours=1)
    # --at asks for a daily run at that time, even when the config runs every period
    at = timing_for(config, PARIS, at="03:15")
    assert (at.every, at.at) == (None, time(3, 15))
    # both: the period wins (the time of day is kept but plays no part)
    assert timing_for(Config(), PARIS, every="30m", at="04:00").every == timedelta(minutes=30)
    # --every on a daily config
    assert timing_for(Config(schedule={"at": "05:00"}), PARIS, every="10m").every == timedelta(minutes=10)


def test_timing_for_keeps_the_zone_given():
    tokyo = ZoneInfo("Asia/Tokyo")
    timing = timing_for(Config(timezone="Asia/Tokyo"), tokyo)
    assert timing.zone is tokyo
    # 02:00 in Tokyo (UTC+9, no DST) is 17:00 UTC the day before
    assert as_utc(timing.next_run(utc(2026, 12, 4, 10, 0))) == utc(2026, 12, 4, 17, 0)


def test_timing_for_rejects_a_period_that_does_not_parse():
    with pytest.raises(ValueError, match="does not parse as a period"):
        timing_for(Config(), PARIS, every="15x")
