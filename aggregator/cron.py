"""Crawl schedules: five-field cron expressions read in Europe/Paris time, with their next run times.

A source without a schedule is crawled every six hours, at a minute and hour derived from its name so
that hundreds of sources do not all start at once.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterator
from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from aggregator.clock import HOME_ZONE

PARIS = ZoneInfo(HOME_ZONE)
DEFAULT_EVERY_HOURS = 6
FIELDS = ("minute", "hour", "day", "month", "day_of_week")
# cron numbers days of the week from Sunday (0 or 7); APScheduler 3 numbers them from Monday.
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DOW_TERM = re.compile(r"^(?P<first>\d+)(?:-(?P<last>\d+))?(?P<step>/\d+)?$")


class CronError(ValueError):
    """A schedule that is not a valid five-field cron expression."""


def default_schedule(source_name: str) -> str:
    """Every six hours, at a minute and hour offset stable for this source."""
    digest = zlib.crc32(source_name.encode())
    minute, hour = digest % 60, (digest // 60) % DEFAULT_EVERY_HOURS
    return f"{minute} {hour}-23/{DEFAULT_EVERY_HOURS} * * *"


def effective_schedule(schedule: str | None, source_name: str) -> str:
    return (schedule or "").strip() or default_schedule(source_name)


def cron_trigger(schedule: str, jitter: int | None = None) -> CronTrigger:
    """The APScheduler trigger of a cron expression, in Paris time; CronError when it is invalid."""
    fields = schedule.split()
    if len(fields) != len(FIELDS):
        raise CronError(f"{schedule!r}: expected 5 fields (minute hour day month weekday), got {len(fields)}")
    values = dict(zip(FIELDS, fields, strict=True))
    values["day_of_week"] = _cron_weekdays(values["day_of_week"])
    try:
        return CronTrigger(**values, timezone=PARIS, jitter=jitter or None)
    except ValueError as exc:
        raise CronError(f"{schedule!r}: {exc}") from exc


def next_runs(schedule: str, count: int = 5, after: datetime | None = None) -> list[datetime]:
    """The next ``count`` run times of ``schedule``, in Paris time, without jitter."""
    trigger = cron_trigger(schedule)
    return list(islice(_fire_times(trigger, after or datetime.now(PARIS)), count))


def _fire_times(trigger: CronTrigger, now: datetime) -> Iterator[datetime]:
    previous = None
    while (fire := trigger.get_next_fire_time(previous, now)) is not None:
        yield fire
        previous = now = fire


def _cron_weekdays(field: str) -> str:
    """Cron's day-of-week numbers as names, which APScheduler reads the cron way."""
    terms = []
    for term in field.split(","):
        match = _DOW_TERM.match(term)
        if match is None:
            terms.append(term)
            continue
        first, last, step = int(match["first"]), match["last"], match["step"] or ""
        if first > 7 or (last is not None and int(last) > 7):
            raise CronError(f"day of week {term!r}: expected 0-7 (0 and 7 are Sunday)")
        if last is None:
            terms.append(_WEEKDAYS[first] + step)
        elif first == 0 and not step:
            # Sunday is last in APScheduler's week: "0-3" is Sunday plus Monday to Wednesday.
            terms.extend(["sun", f"mon-{_WEEKDAYS[int(last)]}"] if int(last) else ["sun"])
        else:
            terms.append(f"{_WEEKDAYS[first]}-{_WEEKDAYS[int(last)]}{step}")
    return ",".join(terms)
