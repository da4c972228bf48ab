"""VTIMEZONE components in RRULE form, as Outlook-compatible zone sets write them.

Outlook keeps only one yearly pair of transitions from a VTIMEZONE and ignores RDATE, which is
what ``icalendar.Timezone.from_tzinfo`` writes (one DTSTART or RDATE per transition). A zone whose
transitions follow one yearly rule over the years asked for is written as a STANDARD and a DAYLIGHT
component, each with its yearly RRULE; a zone without transitions as one STANDARD component. A zone
whose rule changed within those years keeps icalendar's exhaustive form.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
EPOCH = datetime(1970, 1, 1)  # DTSTART of a zone that never changes


@dataclass(frozen=True)
class Transition:
    local: datetime  # wall time just before it, in the offset it leaves
    before: timedelta
    after: timedelta
    name: str
    is_dst: bool


def _offset(zone: ZoneInfo, instant: datetime) -> timedelta:
    offset = instant.astimezone(zone).utcoffset()
    assert offset is not None
    return offset


def transitions(zone: ZoneInfo, first_year: int, last_year: int) -> list[Transition]:
    """Every change of UTC offset from ``first_year`` to ``last_year``, in order."""
    found: list[Transition] = []
    day = datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    while day < end:
        following = day + timedelta(days=1)
        if _offset(zone, day) != _offset(zone, following):
            found.append(_transition(zone, day, following))
        day = following
    return found


def _transition(zone: ZoneInfo, low: datetime, high: datetime) -> Transition:
    """The minute the offset changes between ``low`` and ``high`` (a day apart)."""
    before = _offset(zone, low)
    while high - low > timedelta(minutes=1):
        middle = low + (high - low) / 2
        middle = middle.replace(second=0, microsecond=0)
        if middle <= low:
            middle = low + timedelta(minutes=1)
        if _offset(zone, middle) == before:
            low = middle
        else:
            high = middle
    moment = high.astimezone(zone)
    return Transition(
        local=(high + before).replace(tzinfo=None),
        before=before,
        after=_offset(zone, high),
        name=moment.tzname() or "",
        is_dst=bool(moment.dst()),
    )


def _yearly_rule(changes: list[Transition]) -> str | None:
    """The RRULE all these transitions (one a year) follow, or None."""
    candidates: set[str] | None = None
    for change in changes:
        local = change.local
        weekday = WEEKDAYS[local.weekday()]
        rules = {f"FREQ=YEARLY;BYMONTH={local.month};BYDAY={(local.day - 1) // 7 + 1}{weekday}"}
        if local.day + 7 > calendar.monthrange(local.year, local.month)[1]:
            rules.add(f"FREQ=YEARLY;BYMONTH={local.month};BYDAY=-1{weekday}")
        candidates = rules if candidates is None else candidates & rules
    same_time = len({(c.local.time(), c.before, c.after) for c in changes}) == 1
    if not candidates or not same_time:
        return None
    return sorted(candidates)[0]  # "-1SU" sorts before "5SU": the last week is the rule


def vtimezone(tzid: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The zone from the year before ``first_year`` (events early in a year need the previous
    autumn's transition) to ``last_year``."""
    zone = ZoneInfo(tzid)
    changes = transitions(zone, first_year - 1, last_year)
    component = icalendar.Timezone()
    component.add("tzid", tzid)
    if not changes:
        offset = _offset(zone, datetime(first_year, 1, 1, tzinfo=UTC))
        name = datetime(first_year, 1, 1, tzinfo=zone).tzname() or ""
        component.add_component(_observance(icalendar.TimezoneStandard(), EPOCH, offset, offset, name))
        return component
    kinds = [[c for c in changes if c.is_dst], [c for c in changes if not c.is_dst]]
    rules = [_yearly_rule(kind) for kind in kinds]
    if any(rule is None for rule in rules) or any(len(kind) != last_year - first_year + 2 for kind in kinds):
        return icalendar.Timezone.from_tzinfo(
            zone, first_date=date(first_year - 1, 1, 1), last_date=date(last_year + 1, 1, 1)
        )
    for kind, rule in zip(kinds, rules, strict=True):
        first = kind[0]
        observance = icalendar.TimezoneDaylight() if first.is_dst else icalendar.TimezoneStandard()
        _observance(observance, first.local, first.before, first.after, first.name)
        observance.add("rrule", icalendar.vRecur.from_ical(rule or ""))
        component.add_component(observance)
    return component


def _observance(
    observance: icalendar.Component, start: datetime, before: timedelta, after: timedelta, name: str
) -> icalendar.Component:
    observance.add("dtstart", start)
    observance.add("tzoffsetfrom", before)
    observance.add("tzoffsetto", after)
    if name:
        observance.add("tzname", name)
    return observance
