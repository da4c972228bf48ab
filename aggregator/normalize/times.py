"""Event times: aware instants in the event's own zone; all-day events as local midnights."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MIN_YEAR = 1990
MAX_YEAR = 2100


class TimeError(ValueError):
    """Times that cannot describe a real event."""


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
        raise TimeError(f"unreadable date {text!r}") from exc


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
