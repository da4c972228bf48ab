"""iCalendar feeds: every variant read by icalendar, vobject and ical, and equal to the agenda."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode
from xml.etree import ElementTree

import pytest

from aggregator.config import DEFAULT_FEED_PAST_DAYS
from tests.web.factories import STAMP, TODAY, XSS_ATTRIBUTE, XSS_TITLE
from tests.web.ical_checks import parse_three_ways, uids, vevent

VARIANTS = {
    "global": (
        "",
        {
            "velo",
            "forum",
            "cancelled",
            "webinar",
            "reunion",
            "guadeloupe",
            "recent",
            "old",
            "festival",
            "xss",
            "xss_attribute",
        },
    ),
    "region": ("region=Bretagne", {"velo", "forum"}),
    "department": ("department=974", {"reunion"}),
    "city": ("city=brest", {"velo"}),
    "category": ("category=forum", {"forum"}),
    "source": ("source=mois-ess", {"webinar", "guadeloupe", "recent", "old", "festival"}),
    "dates": ("from=2026-11-28&to=2026-11-30", {"reunion", "xss", "xss_attribute", "cancelled"}),
    "text": ("q=vélo", {"velo"}),
    "online": ("online=1", {"webinar"}),
    "in_person": ("online=0&region=Guadeloupe", {"guadeloupe"}),
    "mois_ess": ("mois_ess=1", {"velo", "cancelled", "webinar"}),
    "combined": ("region=Bretagne&category=atelier&mois_ess=1", {"velo"}),
    # A repeated facet widens (OR); facets narrow each other (AND).
    "regions": ("region=Bretagne&region=Guadeloupe", {"velo", "forum", "guadeloupe"}),
    "categories_in_a_region": ("category=forum&category=atelier&region=Bretagne", {"velo", "forum"}),
    "departments_online": ("department=974&department=29&online=0", {"velo", "reunion"}),
    "empty": ("region=Corse", set()),
}
ATOM = "{http://www.w3.org/2005/Atom}"
AGENDA_LINK = re.compile(r'href="/events/([^"?/]+?)(?:\?[^"]*)?"')


def feed(web, query=""):
    response = web.get(f"/calendar.ics?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return parse_three_ways(response.data)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_variant_parses_three_ways_with_the_right_events(web, events, variant):
    query, expected = VARIANTS[variant]
    calendar = feed(web, query)
    assert sorted(uids(calendar)) == sorted(events[name].uid for name in expected)


@pytest.mark.parametrize("variant", VARIANTS)
def test_feed_events_equal_the_agenda_and_the_api_for_the_same_filters(web, variant):
    query = VARIANTS[variant][0]
    args = parse_qsl(query)
    if not any(name == "from" for name, _ in args):
        args.append(("from", f"{TODAY - timedelta(days=DEFAULT_FEED_PAST_DAYS)}"))  # the feed's window
    same = urlencode(args)
    page = web.get(f"/?{same}").get_data(as_text=True)
    on_page = AGENDA_LINK.findall(page)
    api = web.get(f"/api/events?{same}").get_json()
    assert [e["uid"] for e in api["events"]] == on_page
    assert uids(feed(web, query)) == on_page
    atom = ElementTree.fromstring(web.get(f"/feed.atom?{same}").data)
    assert [e.findtext(f"{ATOM}id").rsplit("/", 1)[1] for e in atom.findall(f"{ATOM}entry")] == on_page


def test_calendar_header_says_what_clients_need(web):
    body = web.get("/calendar.ics?region=Bretagne&category=atelier").data
    calendar = parse_three_ways(body)
    assert str(calendar["PRODID"]).startswith("-//ESS Agenda//")
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["CALSCALE"]) == "GREGORIAN"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["X-WR-CALNAME"]) == "Agenda de l'ESS — Bretagne · Atelier"
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Paris"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT6H\r\n" in body
    assert b"\r\nX-PUBLISHED-TTL:PT6H\r\n" in body
    assert str(feed(web)["X-WR-CALNAME"]) == "Agenda de l'ESS"


def test_every_tzid_has_its_vtimezone_and_no_time_floats(web):
    body = web.get("/calendar.ics").data
    calendar = parse_three_ways(body)
    zones = {str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")}
    used = set(re.findall(rb"^DT(?:START|END);TZID=([^:;]+):", body, re.M))
    assert {z.decode() for z in used} == zones == {"Europe/Paris", "Indian/Reunion", "America/Guadeloupe"}
    vevents = b"".join(re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", body, re.S))
    for line in re.findall(rb"^DT(?:START|END)[;:][^\r]*", vevents, re.M):
        assert line.startswith(
            (b"DTSTART;TZID=", b"DTEND;TZID=", b"DTSTART;VALUE=DATE:", b"DTEND;VALUE=DATE:")
        )
        assert not line.endswith(b"Z")


def test_overseas_events_keep_their_own_zone(web, events):
    body = web.get("/calendar.ics?department=974").data
    assert b"DTSTART;TZID=Indian/Reunion:20261128T090000\r\n" in body
    assert b"DTEND;TZID=Indian/Reunion:20261128T120000\r\n" in body
    start = vevent(parse_three_ways(body), events["reunion"].uid).decoded("DTSTART")
    assert start.utcoffset().total_seconds() == 4 * 3600
    assert (
        b"DTSTART;TZID=America/Guadeloupe:20261205T080000\r\n"
        in web.get("/calendar.ics?region=Guadeloupe").data
    )


def test_all_day_events_are_dates_with_an_exclusive_end(web, events):
    body = web.get("/calendar.ics?category=forum").data
    assert b"DTSTART;VALUE=DATE:20261201\r\n" in body
    assert b"DTEND;VALUE=DATE:20261205\r\n" in body
    assert b"BEGIN:VTIMEZONE" not in body


def test_a_cancelled_event_says_so_twice(web, events):
    event = vevent(feed(web, "department=21"), events["cancelled"].uid)
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "ANNULÉ : Conférence sur les coopératives"


def test_an_event_carries_every_property(web, events):
    velo = events["velo"]
    event = vevent(feed(web, "region=Bretagne"), velo.uid)
    assert str(event["SUMMARY"]) == "Atelier réparation vélo"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == STAMP
    assert int(event["SEQUENCE"]) == 2
    assert str(event["LOCATION"]) == "Recyclerie Un peu d'R, 5 rue Danton, 29200 Brest"
    assert (event["GEO"].latitude, event["GEO"].longitude) == (48.3904, -4.4861)
    assert str(event["URL"]) == "https://unpeudr.example/ateliers/velo"
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Atelier", "Mois de l'ESS"]
    assert "ORGANIZER" not in event  # no e-mail address: Outlook would make it a meeting invitation
    description = str(event["DESCRIPTION"])
    assert description.startswith("Venez réparer votre vélo")
    assert "\n\nOrganisé par : Un peu d'R\n\n" in description
    assert description.endswith(
        "Annoncé sur :\n- ADESS Pays de Brest : https://adess.example/velo\n"
        "- Recyclerie Un peu d'R : https://unpeudr.example/ateliers/velo"
    )


def test_hostile_text_stays_text_in_the_feed(web, events):
    calendar = feed(web, "region=Île-de-France")
    assert str(vevent(calendar, events["xss"].uid)["SUMMARY"]) == XSS_TITLE
    hostile = vevent(calendar, events["xss_attribute"].uid)
    assert str(hostile["SUMMARY"]) == XSS_ATTRIBUTE
    assert "ORGANIZER" not in vevent(calendar, events["xss"].uid)


def test_one_event_has_its_own_calendar(web, events):
    uid = events["reunion"].uid
    response = web.get(f"/events/{uid}.ics")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    calendar = parse_three_ways(response.data)
    assert uids(calendar) == [uid]
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Indian/Reunion"]
    # A download, not a subscription, in the event's own zone.
    for name in ("X-WR-CALNAME", "REFRESH-INTERVAL", "X-PUBLISHED-TTL"):
        assert name not in calendar
    assert str(calendar["X-WR-TIMEZONE"]) == "Indian/Reunion"
    assert "Cookie" not in response.headers.get("Vary", "")


def test_feeds_vary_on_encoding_only(web):
    for url in ("/calendar.ics", "/feed.atom", "/calendar.ics?region=Bretagne"):
        response = web.get(url, headers={"Accept-Language": "en", "Cookie": "lang=en"})
        assert response.headers["Vary"] == "Accept-Encoding", url


def test_an_absorbed_uid_redirects_to_the_surviving_event(web, events):
    response = web.get("/events/absorbed@ess-agenda.test.ics")
    assert response.status_code == 301
    assert response.headers["Location"].endswith(f"/events/{events['velo'].uid}.ics")
    assert web.get("/events/unknown@ess-agenda.test.ics").status_code == 404


def test_the_window_keeps_more_than_a_year_and_is_configurable(seeded, events):
    from tests.web.conftest import make_app

    def feed_uids(**config):
        return set(
            uids(parse_three_ways(make_app(seeded.url, **config).test_client().get("/calendar.ics").data))
        )

    assert DEFAULT_FEED_PAST_DAYS > 366
    assert {events["recent"].uid, events["old"].uid} <= feed_uids()
    assert events["recent"].uid in feed_uids(FEED_PAST_DAYS=7) and events["old"].uid not in feed_uids(
        FEED_PAST_DAYS=7
    )
    assert events["recent"].uid not in feed_uids(FEED_PAST_DAYS=0)


def test_the_same_data_renders_the_same_bytes(seeded):
    from tests.web.conftest import make_app

    first = make_app(seeded.url).test_client().get("/calendar.ics").data
    assert make_app(seeded.url).test_client().get("/calendar.ics").data == first


@pytest.mark.parametrize(
    "query", ["from=2026-13-45", "region=Bretange", "department=99", "online=peut-être", "source=nobody"]
)
def test_invalid_filters_are_a_400_that_says_why(web, query):
    response = web.get(f"/calendar.ics?{query}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert "Paramètre invalide" in response.get_data(as_text=True)


def test_an_organizer_with_an_e_mail_address_is_the_organizer(sqlite_db):
    from datetime import date

    from aggregator.db import get_sessionmaker
    from tests.web.factories import add_event, at
    from web.ical import event_component

    with get_sessionmaker(sqlite_db).begin() as session:
        event = add_event(
            session,
            "Forum",
            at(date(2026, 12, 14), 14),
            organizer="ADESS Pays de Brest <contact@adess29.example>",
        )
        vevent_ = event_component(event)
    assert str(vevent_["ORGANIZER"]) == "mailto:contact@adess29.example"
    assert vevent_["ORGANIZER"].params["CN"] == "ADESS Pays de Brest"
    assert "Organisé par" not in str(vevent_.get("DESCRIPTION", ""))
