"""Dates and times written the way readers expect: "du mardi 1er au vendredi 4 décembre 2026".

A day ("mardi 1er décembre 2026") and a time ("17 h 30") are each held together by no-break spaces,
so that a narrow screen never splits them across lines; phrases break between them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_timezone_location
from flask_babel import force_locale, get_locale, gettext

from aggregator.clock import HOME_ZONE
from aggregator.clock import today as clock_today
from aggregator.models import EventFields

NBSP = "\u00a0"


def _locale(locale: Locale | str | None) -> Locale:
    if isinstance(locale, Locale):
        return locale
    if locale:
        return Locale.parse(locale)
    return get_locale() or Locale.parse("fr")


def _translated(locale: Locale, say: Callable[[], str]) -> str:
    """``say()`` (a ``gettext`` call, so that extraction finds its message) in ``locale``; switching
    locales costs, so only when it is not the current one."""
    if locale == get_locale():
        return say()
    with force_locale(locale):
        return say()


def _day_number(day: date, locale: Locale) -> str:
    return "1er" if locale.language == "fr" and day.day == 1 else str(day.day)


def _day(day: date, locale: Locale, month: bool = True, year: bool = True) -> str:
    parts = [format_date(day, "EEEE", locale=locale), _day_number(day, locale)]
    if month:
        parts.append(format_date(day, "MMMM", locale=locale))
    if year:
        parts.append(format_date(day, "y", locale=locale))
    return NBSP.join(parts)


def day_label(day: date, locale: Locale | str | None = None) -> str:
    """ "jeudi 26 novembre 2026"; "mardi 1er décembre 2026"."""
    return _day(day, _locale(locale))


def weekday(day: date, pattern: str = "EEEE", locale: Locale | str | None = None) -> str:
    """The day's name: "jeudi" (``EEEE``), "jeu." (``EEE``)."""
    return format_date(day, pattern, locale=_locale(locale))


def month_label(day: date, locale: Locale | str | None = None) -> str:
    """ "novembre 2026"."""
    return _unbroken(format_date(day, "LLLL y", locale=_locale(locale)))


def date_range(first: date, last: date, locale: Locale | str | None = None) -> str:
    """One day, or "du mardi 1er au vendredi 4 décembre 2026" without repeating month and year."""
    loc = _locale(locale)
    if last <= first:
        return _day(first, loc)
    same_year = first.year == last.year
    same_month = same_year and first.month == last.month
    start = _day(first, loc, month=not same_month, year=not same_year)
    end = _day(last, loc)
    return _translated(loc, lambda: gettext("du %(start)s au %(end)s", start=start, end=end))


def clock(moment: time, locale: Locale | str | None = None) -> str:
    """ "14 h", "14 h 30" in French; "2 PM", "2:30 PM" in English."""
    loc = _locale(locale)
    if loc.language == "fr":
        return f"{moment.hour}{NBSP}h" + (f"{NBSP}{moment.minute:02d}" if moment.minute else "")
    return _unbroken(format_time(moment, "h a" if not moment.minute else "h:mm a", locale=loc))


def time_range(start: time, end: time | None, locale: Locale | str | None = None) -> str:
    """ "de 14 h à 18 h", or "à 14 h" when the end is unknown."""
    loc = _locale(locale)
    if end is None or end == start:
        at = clock(start, loc)
        return _translated(loc, lambda: gettext("à %(time)s", time=at))
    first, last = clock(start, loc), clock(end, loc)
    return _translated(loc, lambda: gettext("de %(start)s à %(end)s", start=first, end=last))


def zone_note(timezone: str, locale: Locale | str | None = None) -> str | None:
    """Where the times are read, for events outside metropolitan France: "heure : La Réunion"."""
    if timezone == HOME_ZONE:
        return None
    return get_timezone_location(ZoneInfo(timezone), locale=_locale(locale))


def when(event: EventFields, locale: Locale | str | None = None) -> str:
    """The full phrase for an event: its days, then its hours in its own time zone."""
    loc = _locale(locale)
    days = date_range(event.start_date, event.end_date, loc)
    if event.all_day:
        return days
    end = event.local_end
    hours = time_range(event.local_start.time(), end.time() if end is not None else None, loc)
    phrase = f"{days}, {hours}"
    note = zone_note(event.timezone, loc)
    return f"{phrase} ({note})" if note else phrase


def hours(event: EventFields, locale: Locale | str | None = None) -> str | None:
    """Just the hours, for lists grouped by day; None for all-day events."""
    if event.all_day:
        return None
    end = event.local_end
    same_day = end is not None and end.date() == event.start_date
    return time_range(event.local_start.time(), end.time() if same_day and end else None, locale)


def _unbroken(text: str) -> str:
    """Every space (CLDR's narrow ones included) made a no-break space."""
    return text.replace(" ", NBSP).replace("\u202f", NBSP)


def iso_week(day: date) -> str:
    """The ISO week holding ``day``, as the week view's URL says it: "2026-W49"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weekend_of(day: date) -> tuple[date, date]:
    """The coming weekend's Saturday and Sunday; from ``day`` itself when it is one of them."""
    saturday = day + timedelta(days=(5 - day.weekday()) % 7)
    if day.weekday() == 6:
        return day, day
    return saturday, saturday + timedelta(days=1)


def last_month(day: date) -> date:
    """The first day of the month before ``day``'s."""
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def today() -> date:
    """Today in France, by the project's clock."""
    return clock_today(HOME_ZONE)
