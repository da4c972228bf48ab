"""Move every date of a sample document by a whole number of weeks, in the formats partner sites use.

The bundled sample sites describe one moment (their ``today``); the demo serves them moved to the week
it runs in, so its agenda is always alive. Whole weeks keep weekday names right ("jeudi 26 novembre"
stays a Thursday). Moved: ISO dates and times (a French UTC offset is recomputed for the new day, so
local times stay), iCalendar basic dates, RFC 822 dates (RSS), French dates with or without weekday
and year ("les 2 et 3 novembre", "Mardi 1er décembre 2026", "28 NOVEMBRE 2026"), the parts of a
Tribe ``*_details`` object, and lone years ("Mois de l'ESS 2026"). URLs are left alone: a site's paths
do not move.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from aggregator.clock import HOME_ZONE

PARIS = ZoneInfo(HOME_ZONE)
FRENCH_MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
ENGLISH_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTH_NUMBER = {name: i for i, name in enumerate(FRENCH_MONTHS, 1)} | {
    "fevrier": 2,
    "aout": 8,
    "decembre": 12,
}
_WEEKDAY = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"

_ISO = (
    r"(?P<iy>20\d\d)-(?P<im>\d\d)-(?P<id>\d\d)"
    r"(?:(?P<isep>[T ])(?P<itime>\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(?P<ioff>Z|[+-]\d\d:?\d\d)?)?(?![\d])"
)
_RFC822 = (
    r"(?P<rwd>Mon|Tue|Wed|Thu|Fri|Sat|Sun), (?P<rd>\d{1,2}) "
    r"(?P<rmon>" + "|".join(ENGLISH_MONTHS) + r") (?P<ry>20\d\d)"
)
_FRENCH = (
    r"(?P<fd1>\d{1,2})(?:er)?"
    r"(?:(?P<fmid>\s*(?:-|–|&|et|au)\s*(?:le\s+)?(?:" + _WEEKDAY + r"\s+)?)(?P<fd2>\d{1,2})(?:er)?)?"
    r"(?P<fsp>\s+)(?P<fmon>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")"
    r"(?:(?P<fysp>\s+)(?P<fy>20\d\d))?(?![\w])"
)
_YEAR = r"(?P<year>20\d\d)(?![\w/-])"
_PATTERN = re.compile(
    rf"(?<![\w/.-])(?:{_ISO}|{_RFC822}|{_FRENCH}|{_YEAR})",
    re.IGNORECASE,
)
_ICAL_BASIC = re.compile(r"(?<![\w])(?P<y>20\d\d)(?P<m>\d\d)(?P<d>\d\d)(?P<rest>T\d{6}Z?)?(?![\d])")


def week_shift(today: date, anchor: date) -> int:
    """Days, a multiple of 7, that bring ``anchor`` nearest to ``today``."""
    return 7 * round((today - anchor).days / 7)


class DateShifter:
    """Moves the dates of documents by ``days`` (a multiple of 7), reading year-less French dates
    against the last full date seen before them in the same document, or ``anchor``."""

    def __init__(self, days: int, anchor: date) -> None:
        if days % 7:
            raise ValueError(f"a shift of {days} days would change weekday names; give whole weeks")
        self.delta = timedelta(days=days)
        self.anchor = anchor
        self.years = (anchor + self.delta).year - anchor.year

    def document(self, data: bytes, content_type: str) -> bytes:
        """The document moved; bytes unchanged when there is nothing to move."""
        if not self.delta:
            return data
        encoding = _encoding(data)
        if encoding is None:
            return data
        text = data.decode(encoding, "surrogateescape")
        if "json" in content_type:
            try:
                moved = self._json(json.loads(text))
            except ValueError:
                return self.text(text).encode("utf-8")
            return json.dumps(moved, ensure_ascii=False, indent=1).encode("utf-8")
        if "calendar" in content_type:
            text = _ICAL_BASIC.sub(self._ical_basic, text)
        return self.text(text).encode(encoding, "surrogateescape")

    def text(self, text: str) -> str:
        context = [self.anchor]

        def replace(match: re.Match[str]) -> str:
            return self._replace(match, context)

        return _PATTERN.sub(replace, text)

    def day(self, value: date) -> date:
        return value + self.delta

    def _json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self._json(item) for item in value]
        if isinstance(value, dict):
            moved = {key: self._json(item) for key, item in value.items()}
            return self._date_parts(moved)
        return value

    def _date_parts(self, value: dict[str, Any]) -> dict[str, Any]:
        """A ``{"year": "2026", "month": "11", "day": "28", …}`` object, as Tribe's ``*_details``."""
        try:
            old = date(int(value["year"]), int(value["month"]), int(value["day"]))
        except (KeyError, TypeError, ValueError):
            return value
        new = self.day(old)
        return value | {
            "year": str(new.year),
            "month": f"{new.month:0{len(str(value['month']))}d}",
            "day": f"{new.day:0{len(str(value['day']))}d}",
        }

    def _ical_basic(self, match: re.Match[str]) -> str:
        try:
            new = self.day(date(int(match["y"]), int(match["m"]), int(match["d"])))
        except ValueError:
            return match[0]
        return f"{new:%Y%m%d}{match['rest'] or ''}"

    def _replace(self, match: re.Match[str], context: list[date]) -> str:
        if match["iy"]:
            return self._iso(match, context)
        if match["rwd"]:
            return self._rfc822(match)
        if match["fd1"]:
            return self._french(match, context)
        return str(int(match["year"]) + self.years)

    def _iso(self, match: re.Match[str], context: list[date]) -> str:
        try:
            old = date(int(match["iy"]), int(match["im"]), int(match["id"]))
        except ValueError:
            return match[0]
        context[0] = old
        new = self.day(old)
        text = new.isoformat()
        if match["itime"]:
            text += match["isep"] + match["itime"] + _french_offset(new, match["itime"], match["ioff"])
        return text

    def _rfc822(self, match: re.Match[str]) -> str:
        old = date(int(match["ry"]), ENGLISH_MONTHS.index(match["rmon"].title()) + 1, int(match["rd"]))
        new = self.day(old)
        return f"{match['rwd']}, {new.day:02d} {ENGLISH_MONTHS[new.month - 1]} {new.year}"

    def _french(self, match: re.Match[str], context: list[date]) -> str:
        month = _MONTH_NUMBER[match["fmon"].lower()]
        year = int(match["fy"]) if match["fy"] else _nearest_year(context[0], month, int(match["fd1"]))
        try:
            last = date(year, month, int(match["fd2"] or match["fd1"]))
            first = date(year, month, int(match["fd1"])) if match["fd2"] else last
        except ValueError:
            return match[0]
        if match["fy"]:
            context[0] = last
        start, end = self.day(first), self.day(last)
        spelled = _cased(FRENCH_MONTHS[end.month - 1], match["fmon"])
        tail = match["fsp"] + spelled + (match["fysp"] + str(end.year) if match["fy"] else "")
        if not match["fd2"]:
            return _day(start.day) + tail
        head = _day(start.day)
        if start.month != end.month:
            head += " " + _cased(FRENCH_MONTHS[start.month - 1], match["fmon"])
            if match["fy"] and start.year != end.year:
                head += f" {start.year}"
        return head + match["fmid"] + _day(end.day) + tail


def _encoding(data: bytes) -> str | None:
    """UTF-8, or Windows-1252 as some partner sites still write; None for binary files (PDF, images)."""
    if b"\0" in data or data.startswith(b"%PDF"):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _day(number: int) -> str:
    return "1er" if number == 1 else str(number)


def _cased(word: str, like: str) -> str:
    if like.isupper():
        return word.upper()
    return word.capitalize() if like[0].isupper() else word


def _nearest_year(around: date, month: int, day: int) -> int:
    """The year that puts a year-less day nearest to ``around``."""
    candidates = []
    for year in (around.year - 1, around.year, around.year + 1):
        try:
            candidates.append(date(year, month, day))
        except ValueError:
            continue
    if not candidates:
        return around.year
    return min(candidates, key=lambda day_: abs((day_ - around).days)).year


def _french_offset(day: date, clock: str, offset: str | None) -> str:
    """``offset`` as it was, or recomputed for ``day`` when it is French time (+01:00 / +02:00)."""
    if offset is None or offset.replace(":", "") not in {"+0100", "+0200"}:
        return offset or ""
    hour, minute = int(clock[:2]), int(clock[3:5])
    local = datetime(day.year, day.month, day.day, hour, minute, tzinfo=PARIS)
    utc_offset = local.utcoffset() or timedelta(0)
    hours = int(utc_offset.total_seconds() // 3600)
    return f"+{hours:02d}:00" if ":" in offset else f"+{hours:02d}00"


__all__ = ["DateShifter", "week_shift"]
