"""schema.org Event nodes → item fields, and the Events of a page (JSON-LD, microdata, graphs)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import extruct
import pytest

from core.status import CANCELLED, CONFIRMED, POSTPONED
from spiders.extract.schema_org import (
    categories_of,
    event_fields,
    event_status,
    names_of,
    parse_date,
    parse_times,
    place_fields,
    previous_start,
    text_of,
)
from spiders.extract.structured_data import _plain, find_events, page_events, page_nodes

PLUS_ONE = timezone(timedelta(hours=1))
BASE = "http://127.0.0.1/asso/evenement/x/"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-12-03", date(2026, 12, 3)),
        ("20261203", date(2026, 12, 3)),
        ("2026-12-03T14:00:00+01:00", datetime(2026, 12, 3, 14, tzinfo=PLUS_ONE)),
        ("2026-12-03T14:00:00+0100", datetime(2026, 12, 3, 14, tzinfo=PLUS_ONE)),
        ("2026-12-03T13:00:00Z", datetime(2026, 12, 3, 13, tzinfo=UTC)),
        ("2026-12-03T14:00", datetime(2026, 12, 3, 14)),
        ("2026-12-03 14:00:00", datetime(2026, 12, 3, 14)),
        ("2026-12-03T24:00:00", datetime(2026, 12, 4)),
        ({"@value": "2026-12-03", "@type": "Date"}, date(2026, 12, 3)),
        ("2026-02-31", None),
        ("2026-02-31T10:00:00", None),
        ("jeudi 3 décembre", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-12-12", None, (date(2026, 12, 12), date(2026, 12, 12), True)),
        ("2026-12-12", "2026-12-13", (date(2026, 12, 12), date(2026, 12, 13), True)),
        ("2026-12-12", "2026-12-10", (date(2026, 12, 12), date(2026, 12, 12), True)),
        ("2026-12-12", "2026-12-13T18:00", (date(2026, 12, 12), date(2026, 12, 13), True)),
        (
            "2026-12-12T00:00:00+01:00",
            "2026-12-12T23:59:59+01:00",
            (date(2026, 12, 12), date(2026, 12, 12), True),
        ),
        ("2026-12-12T00:00", "2026-12-14T00:00", (date(2026, 12, 12), date(2026, 12, 13), True)),
        ("2026-12-12T10:00", "2026-12-12", (datetime(2026, 12, 12, 10), None, False)),
        ("2026-12-12T10:00", "2026-12-13", (datetime(2026, 12, 12, 10), datetime(2026, 12, 14), False)),
        ("2026-12-12T00:00", None, (datetime(2026, 12, 12), None, False)),
        (None, "2026-12-12", (None, None, False)),
    ],
)
def test_parse_times(start, end, expected):
    assert parse_times(start, end) == expected


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("https://schema.org/EventCancelled", CANCELLED),
        ("http://schema.org/EventCancelled", CANCELLED),
        ("schema:EventCancelled", CANCELLED),
        ("EventCancelled", CANCELLED),
        ({"@id": "https://schema.org/EventPostponed"}, POSTPONED),
        ("https://schema.org/EventRescheduled", CONFIRMED),
        ("https://schema.org/EventMovedOnline", CONFIRMED),
        ("https://schema.org/EventScheduled", CONFIRMED),
        (None, CONFIRMED),
    ],
)
def test_event_status_with_or_without_prefix(value, status):
    event = {"@type": "Event", "name": "x", "startDate": "2026-12-12", "eventStatus": value}
    assert event_fields(event, BASE)["status"] == status


def test_previous_start_date():
    event = {"eventStatus": "EventRescheduled", "previousStartDate": "2026-11-24T18:00:00+01:00"}
    assert event_status(event) == "EventRescheduled"
    assert previous_start(event) == datetime(2026, 11, 24, 18, tzinfo=PLUS_ONE)


def test_place_with_postal_address_and_geo():
    place = {
        "@type": "Place",
        "name": "CESAM – Espace Co-Hop",
        "address": {
            "@type": "PostalAddress",
            "streetAddress": "3 rue Jean XXIII",
            "postalCode": 21000,
            "addressLocality": "Dijon",
            "addressRegion": "Bourgogne-Franche-Comté",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": "47,32", "longitude": 5.04},
    }
    assert place_fields({"location": place}) == {
        "online": False,
        "location_name": "CESAM – Espace Co-Hop",
        "address": "3 rue Jean XXIII",
        "postcode": "21000",
        "city": "Dijon",
        "region": "Bourgogne-Franche-Comté",
        "lat": 47.32,
        "lon": 5.04,
    }


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (
            {"@type": "Place", "name": "Maison de l'ESS", "address": "12 rue de la Famille, 25000 Besançon"},
            ("Maison de l'ESS", "12 rue de la Famille", "25000", "Besançon"),
        ),
        (
            {"@type": "PostalAddress", "streetAddress": "Rue du Bief", "addressLocality": "21600 Longvic"},
            (None, "Rue du Bief", "21600", "Longvic"),
        ),
        (
            {
                "@type": "Place",
                "address": {"@type": "PostalAddress", "streetAddress": "1 rue X, 97400 Saint-Denis"},
            },
            (None, "1 rue X", "97400", "Saint-Denis"),
        ),
        (
            {"@type": "Place", "name": "CRESS", "address": "BP 12, 25000 Besançon Cedex (Doubs), France"},
            ("CRESS", "BP 12", "25000", "Besançon"),
        ),
        (
            {"@type": "Place", "name": "Salle B", "address": "Rue du Port"},
            ("Salle B", "Rue du Port", None, None),
        ),
        (
            "Salle des fêtes, 2 place de la Mairie, 29800 Landerneau",
            ("Salle des fêtes", "2 place de la Mairie", "29800", "Landerneau"),
        ),
        ("4 quai Sud, 44000 Nantes Cedex 1, France", (None, "4 quai Sud", "44000", "Nantes")),
        ("Besançon", (None, None, None, "Besançon")),
    ],
)
def test_places_written_in_one_string(location, expected):
    fields = place_fields({"location": location})
    found = tuple(fields.get(name) for name in ("location_name", "address", "postcode", "city"))
    assert found == expected


@pytest.mark.parametrize(
    "event",
    [
        {"location": {"@type": "VirtualLocation", "url": "https://visio.example/"}},
        {"location": [{"@type": "VirtualLocation", "url": "https://visio.example/"}]},
        {
            "eventAttendanceMode": "https://schema.org/OnlineEventAttendanceMode",
            "location": {"@type": "Place", "name": "Siège", "address": "1 rue X, 21000 Dijon"},
        },
        {"eventAttendanceMode": "OnlineEventAttendanceMode"},
        {"eventStatus": "http://schema.org/EventMovedOnline", "location": "Médiathèque, 29000 Quimper"},
    ],
)
def test_online_events_have_no_place(event):
    assert place_fields(event) == {"online": True}


def test_mixed_attendance_keeps_the_place():
    event = {
        "eventAttendanceMode": "https://schema.org/MixedEventAttendanceMode",
        "location": [{"@type": "VirtualLocation"}, {"@type": "Place", "name": "Le Lieu-Dit"}],
    }
    fields = place_fields(event)
    assert (fields["online"], fields["location_name"]) == (False, "Le Lieu-Dit")


def test_values_names_and_categories():
    assert (
        text_of([{"@value": "Title", "@language": "en"}, {"@value": "Titre", "@language": "fr"}]) == "Titre"
    )
    assert text_of(12) == "12" and text_of(True) == "" and text_of(None) == ""
    organizers = [{"@type": "Organization", "name": "PES 21"}, "Dijon Métropole", {"legalName": "RTES"}]
    assert names_of(organizers) == ["PES 21", "Dijon Métropole", "RTES"]
    event = {"keywords": "emploi, forum , ,emploi", "about": [{"name": "Insertion"}, "forum"]}
    assert categories_of(event) == ["emploi", "forum", "Insertion"]
    assert categories_of({"keywords": ["a", {"name": "b"}]}) == ["a", "b"]


def test_event_fields():
    event = {
        "@type": "SocialEvent",
        "name": "Soir&eacute;e <b>jeux</b>",
        "description": "<p>Un&nbsp;paragraphe.</p><p>Un autre.</p>",
        "startDate": "2026-12-20T18:00:00",
        "organizer": {"@type": "Organization", "name": "Café Pluche"},
        "image": [{"@type": "ImageObject", "contentUrl": "/img/jeux.jpg"}],
        "url": "/asso/evenement/jeux/?utm_source=facebook&fbclid=x&id=3",
    }
    fields = event_fields(event, BASE)
    assert fields["title"] == "Soirée jeux"
    assert fields["description"] == "Un paragraphe.\n\nUn autre."
    assert (fields["start"], fields["end"], fields["all_day"], fields["timezone"]) == (
        datetime(2026, 12, 20, 18),
        None,
        False,
        None,
    )
    assert fields["organizer"] == "Café Pluche"
    assert fields["image"] == "http://127.0.0.1/img/jeux.jpg"
    assert fields["url"] == "http://127.0.0.1/asso/evenement/jeux/?id=3"


# -- events of a page ---------------------------------------------------------------------------


def test_graph_references_are_resolved():
    nodes = [
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "@id": "#page", "mainEntity": {"@id": "#event"}},
                {"@type": "Organization", "@id": "#org", "name": "PES 21"},
                {
                    "@type": "Event",
                    "@id": "#event",
                    "name": "Forum",
                    "startDate": "2026-12-03",
                    "organizer": {"@id": "#org"},
                },
            ],
        }
    ]
    events = find_events(nodes)
    assert len(events) == 1  # reached from the graph and from mainEntity: once
    assert events[0]["organizer"]["name"] == "PES 21"


def test_lists_series_and_subtypes():
    nodes = [
        {
            "@type": "ItemList",
            "itemListElement": [
                {
                    "@type": "ListItem",
                    "item": {"@type": "EducationEvent", "name": "A", "startDate": "2026-12-01"},
                },
                {
                    "@type": "ListItem",
                    "item": {"@type": ["Event", "Festival"], "name": "B", "startDate": "2026-12-02"},
                },
            ],
        },
        {
            "@type": "EventSeries",
            "name": "Cycle",
            "startDate": "2026-12-01",
            "subEvent": [
                {"@type": "Event", "name": "Séance 1", "startDate": "2026-12-08"},
                {"@type": "Event", "name": "Séance 2", "startDate": "2026-12-15"},
            ],
        },
        {
            "@type": "Festival",
            "name": "Festival",
            "startDate": "2026-12-20",
            "subEvent": [{"@type": "Event", "name": "Concert", "startDate": "2026-12-20"}],
        },
        {"@type": "Event", "name": "Sans date"},
        {"@type": "Organization", "name": "Pas un événement"},
    ]
    assert [e["name"] for e in find_events(nodes)] == ["A", "B", "Séance 1", "Séance 2", "Festival"]


def page(*scripts: str, body: str = "") -> str:
    blocks = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return f"<html><head>{blocks}</head><body>{body}</body></html>"


def test_http_and_https_contexts_and_prefixed_names():
    blocks = [
        {"@context": "http://schema.org", "@type": "Event", "name": "A", "startDate": "2026-12-01"},
        {
            "@context": "https://schema.org/",
            "@type": "https://schema.org/SportsEvent",
            "name": "B",
            "startDate": "2026-12-02",
        },
        {
            "@context": {"schema": "http://schema.org/"},
            "@type": "schema:Event",
            "schema:name": "C",
            "schema:startDate": "2026-12-03",
        },
    ]
    html = page(*map(json.dumps, blocks))
    events, problems = page_events(html, BASE)
    assert ([e["name"] for e in events], problems) == (["A", "B", "C"], [])


def test_microdata_and_json_ld_of_the_same_event_count_once():
    body = (
        '<div itemscope itemtype="http://schema.org/Event"><span itemprop="name">A</span>'
        '<meta itemprop="startDate" content="2026-12-01"></div>'
        '<div itemscope itemtype="https://schema.org/TheaterEvent"><span itemprop="name">B</span>'
        '<time itemprop="startDate" datetime="2026-12-02T20:00">2 déc.</time></div>'
    )
    html = page(
        '{"@context": "https://schema.org", "@type": "Event", "name": "A", "startDate": "2026-12-01"}',
        body=body,
    )
    events, _ = page_events(html, BASE)
    assert [(e["name"], e["startDate"]) for e in events] == [("A", "2026-12-01"), ("B", "2026-12-02T20:00")]


def test_a_broken_block_loses_only_itself():
    html = page(
        '{"@type": "Event", "name": "Cassé", "startDate": ',
        '{"@context": "https://schema.org", "@type": "Event", "name": "Intact", "startDate": "2026-12-01"}',
    )
    events, problems = page_events(html, BASE)
    assert [e["name"] for e in events] == ["Intact"]
    assert len(problems) == 1 and "JSON-LD block #1" in problems[0]


def test_pages_without_structured_data_or_with_an_xml_declaration():
    assert page_events("<html><body><p>Rien</p></body></html>", BASE) == ([], [])
    xhtml = '<?xml version="1.0" encoding="utf-8"?>' + page(
        '{"@type": "Event", "name": "É", "startDate": "2026-12-01"}'
    )
    assert [e["name"] for e in page_events(xhtml, BASE)[0]] == ["É"]


@pytest.mark.parametrize(
    "blocks",
    [
        ['{"@context": "https://schema.org/", "@type": "Event", "name": "A", "startDate": "2026-12-01"}'],
        ['[{"@type": "Event", "name": "A"}, {}, "texte", null, {"@type": "schema:Place"}]'],
        ['{"@graph": [{"@type": ["Event", "https://schema.org/Festival"], " schema:name ": "A"}]}'],
        ['{"@type": "Event", "name": "A", "description": "<p>Un</p>\n<p>Deux</p>"}', "{}", "42"],
        ['{"@type": "Event", "name": "raw\tcontrol\ncharacters"}'],
        # Not plain JSON: extruct reads these behind their comments.
        ['<!-- {"@type": "Event"} -->\n{"@type": "Event", "name": "A"}'],
        ['// commentaire\n{"@type": "Event", "name": "A"}', '{"@type": "Event", "name": "B"}'],
    ],
)
def test_json_ld_reads_as_extruct_reads_it(blocks):
    html = page(*blocks)
    read = extruct.extract(html.encode(), base_url=BASE, syntaxes=["json-ld"], uniform=True)["json-ld"]
    assert page_nodes(html, BASE) == ([_plain(node) for node in read], [])


def test_a_page_with_lone_surrogates_still_gives_its_events():
    html = page('{"@type": "Event", "name": "A\ud800", "startDate": "2026-12-01"}', body="\udcff")
    assert page_events(html, BASE) == ([{"@type": "Event", "name": "A?", "startDate": "2026-12-01"}], [])


def test_an_address_country_is_kept():
    from spiders.extract.schema_org import place_fields

    event = {
        "@type": "Event",
        "location": {
            "@type": "Place",
            "name": "Community Center",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": "123 Main St",
                "postalCode": "78701",
                "addressLocality": "Austin",
                "addressRegion": "TX",
                "addressCountry": "US",
            },
        },
    }
    assert place_fields(event)["country"] == "US"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        # Detroit wall-clock times labelled UTC, and summer time in November: read in the zone.
        ("2022-07-12T09:00:00+00:00", "2022-07-12T10:00:00+00:00", ("09:00-0400", "10:00-0400")),
        ("2025-11-12T11:00:00-04:00", "2025-11-12T13:00:00-04:00", ("11:00-0500", "13:00-0500")),
        # An offset the zone has then is an instant, kept as written.
        ("2022-06-28T08:45:00-04:00", "2022-06-28T09:45:00-04:00", ("08:45-0400", "09:45-0400")),
    ],
)
def test_an_offset_the_source_s_zone_never_has_labels_its_wall_clock_time(start, end, expected):
    detroit = ZoneInfo("America/Detroit")
    fields = event_fields({"name": "Board", "startDate": start, "endDate": end}, BASE, detroit)
    assert (
        tuple(fields[name].astimezone(detroit).strftime("%H:%M%z") for name in ("start", "end")) == expected
    )
    assert event_fields({"name": "Board", "startDate": start}, BASE)["start"].isoformat() == start
