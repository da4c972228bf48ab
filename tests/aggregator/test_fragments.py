"""A stored VEVENT is what icalendar's own writer makes of the same event, whatever its text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from aggregator.fragments import event_component, vevent_text
from aggregator.models import Event
from core.status import CANCELLED, CONFIRMED, POSTPONED

STAMP = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Accents, emoji, escapes and separators, where folding and escaping could go wrong.
PIECES = st.sampled_from([*"aé€😀 \\;,:\"'<>@.-\n\r^", "\\N", "ANNULÉ", "x" * 30])
TEXT = st.lists(PIECES | st.characters(blacklist_categories=["Cs"]), max_size=60).map("".join)
OPTIONAL = st.none() | TEXT


@st.composite
def events(draw: st.DrawFn) -> Event:
    start = datetime(2026, 12, 1, 8, tzinfo=UTC) + timedelta(minutes=draw(st.integers(0, 60 * 24 * 300)))
    all_day = draw(st.booleans())
    return Event(
        uid=f"{draw(st.integers(0, 10**6))}@ess-agenda.test",
        title=draw(TEXT.filter(str.strip)),
        start=start,
        end=draw(st.none() | st.just(start + timedelta(hours=draw(st.integers(0, 72))))),
        timezone=draw(st.sampled_from(["Europe/Paris", "America/Cayenne", "Indian/Reunion", "UTC"])),
        all_day=all_day,
        status=draw(st.sampled_from([CONFIRMED, CANCELLED, POSTPONED])),
        status_note=draw(OPTIONAL),
        description=draw(OPTIONAL),
        organizer=draw(OPTIONAL | st.builds(lambda name: f"{name} <contact@ess.example>", TEXT)),
        location_name=draw(OPTIONAL),
        address=draw(OPTIONAL),
        postcode=draw(st.none() | st.sampled_from(["29200", "97300"])),
        city=draw(OPTIONAL),
        online=draw(st.booleans()),
        lat=draw(st.none() | st.floats(-90, 90)),
        lon=draw(st.floats(-180, 180)),
        url=draw(st.none() | st.sampled_from(["https://ess.example/a?b=1&c=d", "https://ess.example/é"])),
        categories=draw(st.lists(TEXT.filter(str.strip), max_size=3)),
        sequence=draw(st.integers(0, 50)),
        created_at=STAMP,
        updated_at=STAMP + timedelta(seconds=draw(st.integers(0, 10**7))),
    )


@settings(max_examples=300, deadline=None)
@given(events())
def test_a_vevent_is_written_as_icalendar_writes_it(event: Event) -> None:
    text = vevent_text(event)
    assert text == event_component(event).to_ical().decode()
    assert icalendar.Event.from_ical(text)["UID"] == event.uid
