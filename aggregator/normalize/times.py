"""Event times: aware instants in the event's own zone; all-day events as local midnights."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

MIN_YEAR = 1990
MAX_YEAR = 2100


# ISO 8601 as CMSs really write it: fields without zero padding ("2024-5-28T16:30+0:00").
_LOOSE_ISO = re.compile(
    r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{1,2})(?::(?P<S>\d{1,2})(?:[.,]\d+)?)?"
    r"\s*(?P<zone>Z|[+-]\d{1,2}(?::?\d{2})?)?)?$",
    re.IGNORECASE,
)


class TimeError(ValueError):
    """Times that cannot describe a real event."""


def loose_iso(text: str) -> date | datetime | None:
    """An ISO-like date or date-time whose fields lack their zero padding, or None."""
    match = _LOOSE_ISO.match(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    try:
        day = date(int(parts["y"]), int(parts["m"]), int(parts["d"]))
        if parts["H"] is None:
            return day
        moment = datetime.combine(day, time(int(parts["H"]), int(parts["M"]), int(parts["S"] or 0)))
    except ValueError:
        return None
    zone = parts["zone"]
    if not zone:
        return moment
    if zone.upper() == "Z":
        return moment.replace(tzinfo=UTC)
    sign = -1 if zone[0] == "-" else 1
    hours, _, minutes = zone[1:].partition(":")
    if not minutes and len(hours) > 2:
        hours, minutes = hours[:-2], hours[-2:]
    offset = timedelta(hours=int(hours), minutes=int(minutes or 0))
    if offset >= timedelta(hours=24):
        return None
    return moment.replace(tzinfo=timezone(sign * offset))


def parse_moment(value: object) -> date | datetime | None:
    """A date or datetime, from the objects spiders give or their ISO 8601 text."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError as exc:
        loose = loose_iso(text)
        if loose is None:
            raise TimeError(f"unreadable date {text[:100]!r}") from exc
        return loose


def to_instant(value: date | datetime, tz: ZoneInfo, naive_tz: ZoneInfo | None = None) -> datetime:
    """An aware datetime in ``tz``; a date becomes its local midnight, a naive time is read in
    ``naive_tz`` (the zone the source stated), else in ``tz``."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time.min, tzinfo=tz)
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=naive_tz or tz)
    return value.astimezone(tz)


def normalize_times(
    start: object,
    end: object,
    all_day: bool | None,
    tz: ZoneInfo,
    naive_tz: ZoneInfo | None = None,
) -> tuple[datetime, datetime | None, bool]:
    """(start, end, all_day) checked: a start is required, years are plausible, end follows start."""
    begin_value, end_value = parse_moment(start), parse_moment(end)
    if begin_value is None:
        raise TimeError("no start date")
    for value in (begin_value, end_value):
        # Checked before any zone arithmetic, which overflows near year 1 or 9999.
        if value is not None and not MIN_YEAR <= value.year <= MAX_YEAR:
            raise TimeError(f"implausible year {value.year}")
    is_all_day = bool(all_day) or not isinstance(begin_value, datetime)  # a bare date has no hour
    if is_all_day:
        begin_value = _day(begin_value, tz, naive_tz)
        end_value = _day(end_value, tz, naive_tz) if end_value is not None else None
    elif end_value is not None and not isinstance(end_value, datetime):
        end_value = _end_of_days(begin_value, end_value, tz, naive_tz)
    begin = to_instant(begin_value, tz, naive_tz)
    finish = to_instant(end_value, tz, naive_tz) if end_value is not None else None
    if finish is not None and finish < begin:
        raise TimeError(f"end {finish.isoformat()} before start {begin.isoformat()}")
    if finish is not None and not is_all_day and finish == begin:
        finish = None
    return begin, finish, is_all_day


def _end_of_days(
    start: date | datetime, last_day: date, tz: ZoneInfo, naive_tz: ZoneInfo | None
) -> datetime | None:
    """A timed event's end given as a day only: none on its start day, else the midnight closing it."""
    if last_day <= _day(start, tz, naive_tz):
        return None
    return datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=tz)


def _day(value: date | datetime, tz: ZoneInfo, naive_tz: ZoneInfo | None) -> date:
    """The local calendar day of an all-day event's bound."""
    if isinstance(value, datetime):
        return to_instant(value, tz, naive_tz).date() if value.tzinfo else value.date()
    return value
