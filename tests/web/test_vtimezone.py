"""VTIMEZONEs in RRULE form (what Outlook reads) give every zone the agenda uses the same offsets as
the time zone database, at every transition over ten years."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest

from aggregator.normalize.zones import DEPARTMENT_ZONES
from core.zones import DEFAULT_TIMEZONE
from web.ical import vtimezone_text
from web.vtimezone import transitions

ZONES = sorted({DEFAULT_TIMEZONE, *DEPARTMENT_ZONES.values()})
FIRST, LAST = 2026, 2035
STEP = timedelta(minutes=1)


def as_written(tzid: str) -> icalendar.Timezone:
    text = vtimezone_text(tzid, FIRST, LAST)
    (component,) = icalendar.Calendar.from_ical(f"BEGIN:VCALENDAR\r\n{text}END:VCALENDAR\r\n").walk(
        "VTIMEZONE"
    )
    return component


@pytest.mark.parametrize("tzid", ZONES)
def test_one_yearly_pair_of_transitions_without_rdate(tzid):
    component = as_written(tzid)
    assert "RDATE" not in component.to_ical().decode()
    observances = [sub for sub in component.subcomponents if sub.name in ("STANDARD", "DAYLIGHT")]
    assert 1 <= len(observances) <= 2
    assert len({sub.name for sub in observances}) == len(observances)
    if len(observances) == 2:
        assert all("RRULE" in sub for sub in observances)


@pytest.mark.parametrize("tzid", ZONES)
def test_offsets_equal_the_zone_database_over_ten_years(tzid):
    zone, written = ZoneInfo(tzid), as_written(tzid).to_tz()
    changes = transitions(zone, FIRST, LAST)
    instants = [
        datetime(year, month, 1, 12, tzinfo=UTC) for year in range(FIRST, LAST + 1) for month in range(1, 13)
    ]
    for change in changes:
        instant = (change.local - change.before).replace(tzinfo=UTC)
        instants += [instant - STEP, instant, instant + STEP]
    assert all(i.astimezone(written).utcoffset() == i.astimezone(zone).utcoffset() for i in instants), tzid
    if tzid in ("Europe/Paris", "America/Miquelon"):
        assert len(changes) == 2 * (LAST - FIRST + 1)
