"""French dates and times as ESS newsletters and agendas write them.

A small grammar reads what dateparser alone gets wrong: ranges ("du 30 novembre au 2 décembre",
"3-4 juin 2016"), lists ("les 3 et 4 juin"), weekdays that must agree with the date, abbreviations
("sept.", "NOV. 18", "18 | NOV."), numeric dates ("jeudi 28/11"), relative days ("samedi prochain") and
times ("de 14h à 18h", "14h00-18h00", "à partir de 18h"). dateparser reads the pieces it handles well:
one day, one month name, one year.

A date without a year is its next occurrence on or after the reference date (a post's publication
date), unless that is further away than FUTURE_WINDOW_DAYS: then it is the latest past one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import dateparser
from babel.dates import get_day_names, get_month_names

from core.folding import lower_unaccented

FUTURE_WINDOW_DAYS = 300
# A weekday that contradicts the inferred year may point at another year, but not at any year.
YEARS_BACK, YEARS_AHEAD = 4, 2
# Longer day ranges are periods (a campaign, a call for projects), not one event.
MAX_RANGE_DAYS = 62

_DATEPARSER_SETTINGS = {"STRICT_PARSING": True, "DATE_ORDER": "DMY", "RETURN_AS_TIMEZONE_AWARE": False}


def _word_key(word: str) -> str:
    """A month or weekday as the tables hold it: lower case without accents or trailing dot ("Févr." →
    "fevr")."""
    return lower_unaccented(word.rstrip("."))


def _month_words() -> dict[str, int]:
    """Every way a month is written: Babel's French names and abbreviations, plus common variants."""
    words: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_month_names(width, locale="fr").items():
            words[_word_key(name)] = number
    variants = {"janv": 1, "jan": 1, "fev": 2, "fevr": 2, "avr": 4, "juil": 7, "juill": 7, "aou": 8}
    variants |= {"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12}
    words.update(variants)
    return words


def _weekday_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for width in ("wide", "abbreviated"):
        for number, name in get_day_names(width, locale="fr").items():
            words[_word_key(name)] = number
    return words


MONTHS = _month_words()
WEEKDAYS = _weekday_words()
MONTH_NAMES = {number: name for number, name in get_month_names("wide", locale="fr").items()}


def _alternation(words: dict[str, int]) -> str:
    """A regex alternation matching each folded word with or without its accents."""
    accents = {"e": "[eéèêë]", "a": "[aàâä]", "u": "[uùûü]", "i": "[iîï]", "o": "[oôö]", "c": "[cç]"}
    variants = ("".join(accents.get(ch, re.escape(ch)) for ch in word) for word in words)
    return "|".join(sorted(variants, key=len, reverse=True))


_WORD_END = r"(?![\w'’])"
_TOKEN = re.compile(
    rf"""
    (?P<iso>\b\d{{4}}-\d{{2}}-\d{{2}}\b)
    | (?<![\d/.,])(?P<num>[0-3]?\d[/.][01]?\d(?:[/.](?:\d{{4}}|\d{{2}}))?)(?![\d/]|[.,]\d)
    | (?P<month>(?:{_alternation(MONTHS)})\.?){_WORD_END}
    | (?P<weekday>(?:{_alternation(WEEKDAYS)})\.?){_WORD_END}
    | (?<![\d,.])(?P<year>(?:19|20)\d{{2}})(?![\d,.]\d|h)
    | (?<![\d,.])(?P<day>[0-3]?\d)(?:\s?(?:er|ᵉʳ|e|ème|eme)(?!\w))?(?![\d,.]\d|\w|:|\s?h(?:eures?)?\b)
    | (?P<lead>du|les|le|ce|cette|à\s+partir\s+du|dès\s+le|depuis\s+le){_WORD_END}
    | (?P<range>(?:jusqu['’]au|au|à|a)(?!\w)|[-–—])
    | (?P<list>et(?!\w)|[&,])
    | (?P<bar>[|·/])
    | (?P<after>prochaine?s?|derni[eè]re?s?){_WORD_END}
    """,
    re.IGNORECASE | re.VERBOSE,
)
_GAP = re.compile(r"[ \t\u00a0\u202f]*\n?[ \t\u00a0\u202f]*")


@dataclass
class _Element:
    """One day as written: weekday, day, month, year; any may be missing while parsing."""

    weekday: int | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    explicit_year: bool = False
    numeric: bool = False
    month_first: bool = False

    def empty(self) -> bool:
        return self.day is None and self.month is None and self.weekday is None


@dataclass
class _Run:
    """A run of adjacent date words, parsed into elements joined by connectors."""

    start: int
    end: int
    elements: list[_Element] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)
    lead: str = ""
    after: str = ""


@dataclass(frozen=True)
class DateMatch:
    """Days found in a text: ``first`` to ``last`` (inclusive), at ``span``."""

    first: date
    last: date
    span: tuple[int, int]
    explicit_year: bool
    past: bool = False


@dataclass(frozen=True)
class TimeMatch:
    """A time or a time range found in a text, at ``span``."""

    start: time
    end: time | None
    span: tuple[int, int]
    introduced: bool  # written after "à", "de", "dès"…, or as a range: not a bare number


@dataclass(frozen=True)
class When:
    """When an event happens: dates for all-day events, naive local datetimes otherwise."""

    start: date | datetime
    end: date | datetime | None
    all_day: bool


# -- dates ------------------------------------------------------------------------------------

_WORD = re.compile(r"\w+|.", re.DOTALL)
_PARTS = re.compile(r"[/.]")


def _runs(text: str, loose: bool) -> list[_Run]:
    """Runs of adjacent date words (separated only by white space), each parsed into elements."""
    runs: list[_Run] = []
    tokens: list[re.Match[str]] = []
    pos = _gap_end(text, 0)
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match and match.end() > pos:
            tokens.append(match)
            pos = _gap_end(text, match.end())
            continue
        if tokens:
            runs.extend(_parse_tokens(tokens, loose))
            tokens = []
        word = _WORD.match(text, pos)
        pos = _gap_end(text, word.end() if word else pos + 1)
    if tokens:
        runs.extend(_parse_tokens(tokens, loose))
    return runs


def _gap_end(text: str, pos: int) -> int:
    gap = _GAP.match(text, pos)
    return gap.end() if gap else pos


def _starts_new(element: _Element, kind: str) -> bool:
    """Whether a token of ``kind`` cannot belong to ``element`` and begins the next one."""
    if kind in ("day", "num", "iso"):
        return element.day is not None
    if kind == "weekday":
        return element.weekday is not None or element.day is not None
    return kind == "month" and element.month is not None


def _parse_tokens(tokens: list[re.Match[str]], loose: bool) -> list[_Run]:
    """Elements and the connectors between them, from one run of tokens."""
    run = _Run(start=tokens[0].start(), end=tokens[0].end())
    current = _Element()
    join = ""
    for token in tokens:
        kind, value = token.lastgroup or "", token.group()
        if kind in ("range", "list"):
            if not current.empty():
                run.elements.append(current)
                current = _Element()
            join = join or kind
            continue
        if kind == "lead":
            if current.empty() and not run.elements:
                run.lead, run.start = " ".join(value.lower().split()), token.start()
            continue
        if kind == "after":
            if run.elements or not current.empty():
                run.after, run.end = _word_key(value), token.end()
            continue
        if kind == "bar":
            continue
        if kind == "year":
            _set_year(current if current.month else (run.elements[-1] if run.elements else None), value)
            run.end = token.end()
            continue
        if _starts_new(current, kind):
            run.elements.append(current)
            current = _Element()
        if current.empty() and run.elements:
            run.joins.append(join or "list")
        join = ""
        _set_part(current, kind, value)
        run.end = token.end()
    if not current.empty():
        run.elements.append(current)
    if not loose:
        run.elements = _strict(run)
    return [run] if run.elements else []


def _set_year(element: _Element | None, value: str) -> None:
    if element is not None and element.month is not None and element.year is None:
        element.year, element.explicit_year = int(value), True


def _set_part(element: _Element, kind: str, value: str) -> None:
    if kind == "weekday":
        element.weekday = WEEKDAYS[_word_key(value)]
    elif kind == "day":
        element.day = int(re.sub(r"\D.*", "", value))
        element.month_first = element.month is not None
    elif kind == "month":
        element.month = MONTHS[_word_key(value)]
    elif kind == "num":
        parts = [int(p) for p in _PARTS.split(value)]
        element.day, element.month, element.numeric = parts[0], parts[1], True
        if len(parts) == 3:
            element.year = parts[2] + (2000 if parts[2] < 100 else 0)
            element.explicit_year = True
    elif kind == "iso":
        element.year, element.month, element.day = (int(p) for p in value.split("-"))
        element.explicit_year = True


def _strict(run: _Run) -> list[_Element]:
    """In prose, "novembre 18" is not a date, nor is "3/4" without a "le", a weekday or a year."""
    elements = run.elements
    if any(e.month_first for e in elements):
        return []
    bare_numeric = all(e.numeric and not e.explicit_year and e.weekday is None for e in elements)
    if bare_numeric and run.lead not in ("le", "du", "les", "dès le", "à partir du", "depuis le"):
        return []
    return elements


def _fill_backwards(run: _Run) -> bool:
    """Months and years written once, at the end, apply to the days before them."""
    elements = run.elements
    while elements and elements[-1].month is None:
        elements.pop()  # "le 14 novembre à 20 personnes": a number after the date is not a day
    del run.joins[max(len(elements) - 1, 0) :]
    following: _Element | None = None
    for element in reversed(elements):
        if following is not None:
            if element.month is None:
                element.month = following.month
            if element.year is None and following.year is not None:
                element.year = following.year - (1 if (element.month or 0) > (following.month or 0) else 0)
                element.explicit_year = following.explicit_year
        following = element
    return bool(elements) and all(e.month is not None and e.day is not None for e in elements)


def _build(elements: list[_Element], start_year: int) -> list[date] | None:
    """The dates of ``elements`` when the first falls in ``start_year``; None if one is impossible."""
    days: list[date] = []
    year = start_year
    for element in elements:
        if element.explicit_year and element.year is not None:
            year = element.year
        elif days and (element.month or 0) < days[-1].month:
            year += 1
        try:
            day = date(year, element.month or 0, element.day or 0)
        except ValueError:
            return None
        if element.weekday is not None and day.weekday() != element.weekday:
            return None
        days.append(day)
    return days


def _resolve_years(elements: list[_Element], reference: date, after: str) -> list[date] | None:
    """The dates, with years written or inferred from the reference date (see module docstring)."""
    first = elements[0]
    if first.explicit_year and first.year is not None:
        return _build(elements, first.year)
    occurrences = [d for y in range(reference.year - 1, reference.year + 2) if (d := _build_loose(first, y))]
    upcoming = [d for d in occurrences if d >= reference]
    previous = [d for d in occurrences if d < reference]
    past = after.startswith("dern")
    if past and previous:
        preferred = previous[-1].year
    elif upcoming and ((upcoming[0] - reference).days <= FUTURE_WINDOW_DAYS or not previous):
        preferred = upcoming[0].year
    elif previous:
        preferred = previous[-1].year
    else:
        return None
    candidates = sorted(
        range(reference.year - YEARS_BACK, reference.year + YEARS_AHEAD + 1), key=lambda y: abs(y - preferred)
    )
    for year in candidates:
        days = _build(elements, year)
        # "juin prochain" is ahead of the reference, "septembre dernier" behind it.
        if days is not None and (not after or (days[0] < reference) == past):
            return days
    return None


def _build_loose(element: _Element, year: int) -> date | None:
    try:
        return date(year, element.month or 0, element.day or 0)
    except ValueError:
        return None


def _relative(run: _Run, reference: date) -> list[DateMatch]:
    """ "samedi prochain", "ce samedi": the next such weekday."""
    element = run.elements[0]
    if element.weekday is None or len(run.elements) != 1 or element.day is not None:
        return []
    if run.after.startswith("prochain"):
        ahead = (element.weekday - reference.weekday() - 1) % 7 + 1
    elif run.lead in ("ce", "cette"):
        ahead = (element.weekday - reference.weekday()) % 7
    else:
        return []
    day = reference + timedelta(days=ahead)
    return [DateMatch(day, day, (run.start, run.end), explicit_year=False)]


def _groups(run: _Run) -> list[tuple[int, int]]:
    """Index ranges (first, last) of elements forming one day or one range of days."""
    groups: list[tuple[int, int]] = []
    index = 0
    while index < len(run.elements):
        last = index
        if index < len(run.joins) and run.joins[index] == "range":
            last = index + 1
        groups.append((index, last))
        index = last + 1
    return groups


def _matches(run: _Run, reference: date) -> list[DateMatch]:
    if any(e.month is None and e.day is None for e in run.elements) or run.elements[0].day is None:
        return _relative(run, reference)
    if not _fill_backwards(run):
        return []
    past = run.after.startswith("dern")
    days = _resolve_years(run.elements, reference, run.after)
    if days is None:
        return []
    explicit = run.elements[-1].explicit_year
    ranges = [(days[a], days[b]) for a, b in _groups(run)]
    if any(last < first or (last - first).days > MAX_RANGE_DAYS for first, last in ranges):
        return []
    span = (run.start, run.end)
    if len(ranges) > 1 and all(
        first == last and (i == 0 or (first - ranges[i - 1][1]).days == 1)
        for i, (first, last) in enumerate(ranges)
    ):
        return [DateMatch(ranges[0][0], ranges[-1][1], span, explicit, past)]
    return [DateMatch(first, last, span, explicit, past) for first, last in ranges]


def _checked(match: DateMatch) -> DateMatch | None:
    """dateparser confirms each written day exists (it knows the calendar; we know the phrase)."""
    for day in {match.first, match.last}:
        if _calendar_day(day.day, day.month, day.year) != day:
            return None
    return match


@lru_cache(maxsize=4096)
def _calendar_day(day: int, month: int, year: int) -> date | None:
    parsed = dateparser.parse(
        f"{day} {MONTH_NAMES[month]} {year}", languages=["fr"], settings=_DATEPARSER_SETTINGS
    )
    return parsed.date() if parsed else None


def find_dates(text: str, reference: date, loose: bool = False) -> list[DateMatch]:
    """Every day or range of days written in ``text``, in order.

    ``loose`` is for a date field rather than prose: "NOV. 18" and a bare "28/11" are dates there.
    """
    found: list[DateMatch] = []
    for run in _runs(text, loose):
        found.extend(m for m in map(_checked, _matches(run, reference)) if m is not None)
    return found


# -- times ------------------------------------------------------------------------------------

_HOUR = (
    r"(?:(?P<h{n}>[01]?\d|2[0-3])\s?(?:h|heures?)\s?(?P<m{n}>[0-5]\d)?(?![\w])"
    r"|(?P<c{n}>[01]?\d|2[0-3]):(?P<k{n}>[0-5]\d)(?!\d)"
    r"|(?<![-\w])(?P<w{n}>midi|minuit)(?!\w))"
)
_TIME = re.compile(
    rf"""
    (?P<lead>\b(?:à\s+partir\s+de|a\s+partir\s+de|dès|des|de|entre|à|a|vers|jusqu['’]à)\s+)?
    (?<![\d,.:])(?:{_HOUR.format(n=1)})
    (?:\s*(?:à|a|-|–|—|›|>|→|et|jusqu['’]à)\s*(?:{_HOUR.format(n=2)}))?
    """,
    re.IGNORECASE | re.VERBOSE,
)
_DURATION = re.compile(r"(?:dur[ée]e?|durera|pendant|environ|d['’]une?)\s*(?:de\s*)?$", re.IGNORECASE)


def _hour(match: re.Match[str], n: int) -> time | None:
    word = match.group(f"w{n}")
    if word:
        return time(12) if word.lower() == "midi" else time(0)
    hour = match.group(f"h{n}") or match.group(f"c{n}")
    if hour is None:
        return None
    minute = match.group(f"m{n}") or match.group(f"k{n}") or "0"
    return time(int(hour), int(minute))


def find_times(text: str) -> list[TimeMatch]:
    """Every time or time range written in ``text``, in order; durations ("durera 1h30") are not times."""
    found: list[TimeMatch] = []
    for match in _TIME.finditer(text):
        start = _hour(match, 1)
        if start is None or _DURATION.search(text[max(0, match.start() - 20) : match.start()]):
            continue
        end = _hour(match, 2)
        lead = (match.group("lead") or "").strip().lower()
        if end is not None and end <= start and end.hour >= 6:
            continue
        introduced = bool(lead) or end is not None
        if lead.startswith(("à partir", "a partir", "dès", "des")) and end is None:
            introduced = True
        found.append(TimeMatch(start, end, match.span(), introduced))
    return found


# -- dates and times together -----------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;:](?=\s)|\n")


def combine(days: DateMatch, hours: TimeMatch | None) -> When:
    """A When from days and, if any, the hours they happen at."""
    if hours is None:
        return When(days.first, days.last, all_day=True)
    start = datetime.combine(days.first, hours.start)
    end = None
    if hours.end is not None:
        end_day = days.last if hours.end > hours.start else days.last + timedelta(days=1)
        end = datetime.combine(end_day, hours.end)
    return When(start, end, all_day=False)


def times_near(text: str, days: DateMatch) -> TimeMatch | None:
    """The time written with ``days``: in the same sentence, after the date first, else before it."""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, days.span[0])), default=0)
    stop = _SENTENCE_END.search(text, days.span[1])
    end = stop.start() if stop else len(text)
    candidates = [t for t in find_times(text[begin:end]) if t.introduced or _adjacent(text, begin, t, days)]
    after = [t for t in candidates if t.span[0] + begin >= days.span[1]]
    before = [t for t in candidates if t.span[1] + begin <= days.span[0]]
    if after:
        return after[0]
    return before[-1] if before else None


def _adjacent(text: str, offset: int, hours: TimeMatch, days: DateMatch) -> bool:
    """A bare time right next to its date ("1er décembre, 9h30", "18h30 – 28 novembre")."""
    start, end = hours.span[0] + offset, hours.span[1] + offset
    between = text[days.span[1] : start] if start >= days.span[1] else text[end : days.span[0]]
    return len(between.strip(" ,–—-|\u00a0\u202f\n")) == 0 and len(between) <= 4


def parse_when(text: str, reference: date, loose: bool = False) -> When | None:
    """The first date written in ``text`` with its time, or None when there is no full date."""
    dates = find_dates(text, reference, loose)
    if not dates:
        # A field the grammar cannot read at all (an English date…) goes to dateparser; one it
        # read and rejected (a wrong weekday, 31 février) stays rejected.
        read = any(e.month for run in _runs(text, loose) for e in run.elements)
        return _parse_single(text, reference) if loose and not read else None
    return combine(dates[0], times_near(text, dates[0]))


def _parse_single(text: str, reference: date) -> When | None:
    """Last resort for a lone date field: dateparser on a single date it can read (e.g. in English)."""
    if len(text) > 60 or not re.search(r"\d", text):
        return None
    settings = {**_DATEPARSER_SETTINGS, "RELATIVE_BASE": datetime.combine(reference, time.min)}
    parsed = dateparser.parse(text, languages=["fr", "en"], settings=settings)
    if parsed is None:
        return None
    hours = find_times(text)
    if hours or parsed.time() != time.min:
        return When(parsed, None, all_day=False)
    return When(parsed.date(), parsed.date(), all_day=True)


def parse_field_dates(date_text: str, time_text: str, reference: date) -> When | None:
    """When from an agenda's date and time fields: ISO values, "NOV. 18", "jeudi 28/11", "18h30".

    A time field is read as it stands ("18h30" needs no "à"); a date field may hold the time too.
    """
    date_text, time_text = " ".join(date_text.split()), " ".join(time_text.split())
    iso = _iso(date_text)
    if isinstance(iso, datetime):
        return When(iso, None, all_day=False)
    if iso is not None:
        days = DateMatch(iso, iso, (0, len(date_text)), explicit_year=True)
    else:
        found = find_dates(date_text, reference, loose=True)
        if not found:
            return parse_when(date_text, reference, loose=True)
        days = found[0]
    if time_text:
        hours = find_times(time_text)
        return combine(days, hours[0] if hours else None)
    return combine(days, times_near(date_text, days))


def _iso(text: str) -> date | datetime | None:
    """An ISO 8601 date or date-time as a datetime attribute gives it."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?", text):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if len(text) > 10 else moment.date()
