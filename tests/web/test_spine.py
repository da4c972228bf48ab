"""The agenda page and the global feed answer over the crawled samples."""

from __future__ import annotations

import icalendar

from tests.helpers import cli, import_samples


def test_agenda_and_calendar(client, samples_base):
    import_samples(samples_base)
    cli("crawl", "adess-brest", "unpeudr")
    page = client.get("/")
    assert page.status_code == 200
    assert "Atelier couture" in page.get_data(as_text=True)
    feed = client.get("/calendar.ics")
    assert feed.status_code == 200
    assert feed.content_type == "text/calendar; charset=utf-8"
    calendar = icalendar.Calendar.from_ical(feed.data)
    summaries = {str(e["SUMMARY"]) for e in calendar.walk("VEVENT")}
    assert "Atelier couture" in summaries
