"""What time it is, for the whole project.

Every module asks ``now()`` or ``today()`` here instead of the system clock, so that one variable moves
the clock of every process a command starts (the web app, crawl processes, the scheduler):

``ESS_AGENDA_NOW``
    An ISO 8601 instant (``2026-11-23T10:00:00+01:00``) or day (``2026-11-23``, read as noon in
    Europe/Paris). The clock then starts at that instant and runs at the real pace.

The pinned clock runs from the real instant it was first read, which is kept in
``ESS_AGENDA_NOW_ANCHOR`` (a Unix time) so that child processes, which inherit both variables, share
one clock with their parent instead of each starting again from the pinned instant.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.zones import DEFAULT_TIMEZONE

NOW_ENV = "ESS_AGENDA_NOW"
ANCHOR_ENV = "ESS_AGENDA_NOW_ANCHOR"
HOME_ZONE = DEFAULT_TIMEZONE  # where the agenda's "today" is


class ClockError(ValueError):
    """``ESS_AGENDA_NOW`` holds something that is not an ISO date or instant."""


def parse_instant(value: str) -> datetime:
    """An aware instant from an ISO day (noon in France) or an ISO datetime (naive: French time)."""
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day, 12, tzinfo=ZoneInfo(HOME_ZONE))
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise ClockError(f"{NOW_ENV}={value!r} is not an ISO date or date and time") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(HOME_ZONE))


def _offset() -> timedelta:
    pinned = os.environ.get(NOW_ENV, "").strip()
    if not pinned:
        return timedelta(0)
    anchor = os.environ.get(ANCHOR_ENV)
    if anchor is None:
        anchor = repr(time.time())
        os.environ[ANCHOR_ENV] = anchor
    try:
        since = datetime.fromtimestamp(float(anchor), UTC)
    except ValueError as error:
        raise ClockError(f"{ANCHOR_ENV}={anchor!r} is not a Unix time") from error
    return parse_instant(pinned) - since


def now() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC) + _offset()


def today(zone: str = HOME_ZONE) -> date:
    """Today's date in ``zone`` (France unless told otherwise)."""
    return now().astimezone(ZoneInfo(zone)).date()


def pin(moment: datetime | date | str | None) -> dict[str, str]:
    """Set (or, with None, clear) the pinned clock in this process's environment, which the processes
    it starts inherit; returns the variables set, for an explicit child environment."""
    os.environ.pop(ANCHOR_ENV, None)
    if moment is None:
        os.environ.pop(NOW_ENV, None)
        return {}
    text = moment if isinstance(moment, str) else moment.isoformat()
    parse_instant(text)
    os.environ[NOW_ENV] = text
    os.environ[ANCHOR_ENV] = repr(time.time())
    return {NOW_ENV: text, ANCHOR_ENV: os.environ[ANCHOR_ENV]}


__all__ = ["ANCHOR_ENV", "HOME_ZONE", "NOW_ENV", "ClockError", "now", "parse_instant", "pin", "today"]
