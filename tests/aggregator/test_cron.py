"""Schedules: cron as operators write it, read in Paris time."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise

import pytest

from aggregator.cron import PARIS, CronError, default_schedule, next_runs

MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)


@pytest.mark.parametrize(
    ("schedule", "weekdays"),
    [
        ("0 9 * * 0", {"Sunday"}),
        ("0 9 * * 7", {"Sunday"}),
        ("0 9 * * 1-5", {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"}),
        ("0 9 * * 0,6", {"Saturday", "Sunday"}),
        ("0 9 * * 0-2", {"Sunday", "Monday", "Tuesday"}),
        ("0 9 * * sat", {"Saturday"}),
    ],
)
def test_weekdays_are_numbered_the_cron_way(schedule, weekdays):
    runs = next_runs(schedule, 14, after=MONDAY)
    assert {run.strftime("%A") for run in runs} == weekdays
    assert all((run.hour, run.minute) == (9, 0) for run in runs)


def test_times_are_paris_times_across_the_clock_change():
    runs = next_runs("30 8 * * *", 2, after=datetime(2027, 3, 27, 12, 0, tzinfo=PARIS))
    assert [run.isoformat() for run in runs] == ["2027-03-28T08:30:00+02:00", "2027-03-29T08:30:00+02:00"]


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("* * *", "expected 5 fields"),
        ("61 * * * *", "maximum value (59)"),
        ("0 9 * * 8", "expected 0-7"),
        ("0 25 * * *", "maximum value (23)"),
        ("every day", "expected 5 fields"),
    ],
)
def test_invalid_schedules_say_why(schedule, message):
    with pytest.raises(CronError, match=message.replace("(", r"\(").replace(")", r"\)")):
        next_runs(schedule)


def test_default_schedule_is_every_six_hours_spread_by_name():
    schedules = {default_schedule(f"source-{n}") for n in range(50)}
    assert len(schedules) > 25  # hundreds of sources do not all start at once
    runs = next_runs(default_schedule("adess-brest"), 4, after=MONDAY)
    assert [(b - a).total_seconds() for a, b in pairwise(runs)] == [6 * 3600] * 3
    assert default_schedule("adess-brest") == default_schedule("adess-brest")
