"""normalize_item: an item as a spider gives it → Listing columns, place first, then its zone's times."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from aggregator.db import get_sessionmaker
from aggregator.models import Listing
from aggregator.normalize import NormalizationError, normalize_item
from aggregator.normalize.geography import geography
from aggregator.samples_server import EXPECTED_FILE
from core.folding import fold

PLACE = ("location_name", "address", "postcode", "city", "insee", "department", "region")


def item(**fields: Any) -> dict[str, Any]:
    return {"key": "k1", "title": "Atelier", "start": datetime(2026, 11, 28, 14), **fields}


# Items shaped like the sample sources' (iCal LOCATION lines, Tribe venues, OpenAgenda locations,
# HTML "Lille (59)" blocks, JSON-LD PostalAddress) → the place and zone of the expected events.
SAMPLES: list[tuple[str, dict[str, Any], str | None, dict[str, Any]]] = [
    (
        "iCal line, Nontron",
        item(location_name="Café Pluche, 3 place Paul Bert, Nontron, 24300, France", timezone="Europe/Paris"),
        "Nouvelle-Aquitaine",
        {
            "location_name": "Café Pluche",
            "address": "3 place Paul Bert",
            "postcode": "24300",
            "city": "Nontron",
            "department": "24",
            "region": "Nouvelle-Aquitaine",
            "timezone": "Europe/Paris",
        },
    ),
    (
        "iCal line, Brest",
        item(location_name="Recyclerie Un peu d'R, 5 Rue Danton, 29200 Brest, France"),
        "Bretagne",
        {
            "location_name": "Recyclerie Un peu d'R",
            "address": "5 Rue Danton",
            "postcode": "29200",
            "city": "Brest",
            "insee": "29019",
            "department": "29",
            "region": "Bretagne",
            "timezone": "Europe/Paris",
        },
    ),
    (
        "Tribe venue, Landerneau",
        item(
            location_name="Maison des associations",
            address="Rue de la Tannerie",
            postcode="29800",
            city="Landerneau",
        ),
        "Bretagne",
        {"postcode": "29800", "city": "Landerneau", "department": "29", "region": "Bretagne"},
    ),
    (
        "OpenAgenda, Guadeloupe",
        item(
            location_name="Place de la Victoire",
            address="Place de la Victoire, 97110 Pointe-à-Pitre",
            postcode="97110",
            city="Pointe-à-Pitre",
            insee="97120",
            department="Guadeloupe",
            region="Guadeloupe",
            start=datetime(2026, 11, 27, 9),
            timezone="America/Guadeloupe",
        ),
        None,
        {
            "address": "Place de la Victoire",
            "postcode": "97110",
            "city": "Pointe-à-Pitre",
            "department": "971",
            "region": "Guadeloupe",
            "timezone": "America/Guadeloupe",
            "start": "2026-11-27T09:00:00-04:00",
        },
    ),
    (
        "OpenAgenda department by name",
        item(
            location_name="Le Champ des Sourires",
            address="Rue du Bief, 21600 Longvic",
            postcode="21600",
            city="Longvic",
            department="Côte-d'Or",
            region="Bourgogne-Franche-Comté",
        ),
        None,
        {
            "address": "Rue du Bief",
            "postcode": "21600",
            "city": "Longvic",
            "insee": "21355",
            "department": "21",
        },
    ),
    (
        "HTML block with a département hint",
        item(location_name="Villeneuve-d'Ascq (59)", start=datetime(2017, 11, 30, 18, 30)),
        "Hauts-de-France",
        {
            "location_name": None,
            "postcode": None,
            "city": "Villeneuve-d'Ascq",
            "department": "59",
            "region": "Hauts-de-France",
            "start": "2017-11-30T18:30:00+01:00",
        },
    ),
    (
        "HTML block, Amiens: no postcode guessed",
        item(location_name="Amiens (80)", start=date(2017, 11, 18), all_day=True),
        "Hauts-de-France",
        {
            "postcode": None,
            "city": "Amiens",
            "department": "80",
            "all_day": True,
            "start": "2017-11-18T00:00:00+01:00",
        },
    ),
    (
        "HTML block, online",
        item(
            title="Webinaire « Apprendre à manager le travail »",
            location_name="En ligne",
            start=datetime(2027, 1, 13, 11, 30),
        ),
        "Hauts-de-France",
        {
            "location_name": None,
            "city": None,
            "department": None,
            "region": None,
            "online": True,
            "timezone": "Europe/Paris",
            "categories": ["Webinaire"],
        },
    ),
    (
        "JSON-LD address as one string",
        item(location_name="Tiers-lieu", address="12 rue de la Famille, 25000 Besançon"),
        "Bourgogne-Franche-Comté",
        {"address": "12 rue de la Famille", "postcode": "25000", "city": "Besançon", "department": "25"},
    ),
    (
        "Réunion, naive local time, no stated zone",
        item(
            location_name="CRESS",
            city="Le Port",
            postcode="97420",
            start=datetime(2026, 12, 2, 14),
            end=datetime(2026, 12, 2, 17),
        ),
        "La Réunion",
        {
            "department": "974",
            "region": "La Réunion",
            "timezone": "Indian/Reunion",
            "start": "2026-12-02T14:00:00+04:00",
            "end": "2026-12-02T17:00:00+04:00",
        },
    ),
    (
        "Réunion, all-day date",
        item(
            title="Marché solidaire de Noël", city="Saint-Pierre", postcode="97410", start=date(2026, 12, 19)
        ),
        "La Réunion",
        {
            "insee": "97416",
            "timezone": "Indian/Reunion",
            "all_day": True,
            "start": "2026-12-19T00:00:00+04:00",
            "categories": ["Salon / marché"],
        },
    ),
    (
        "Réunion, UTC instant from a feed shown in local time",
        item(city="Saint-Denis", start=datetime(2026, 11, 28, 5, tzinfo=UTC), timezone="UTC"),
        "La Réunion",
        {"insee": "97411", "timezone": "Indian/Reunion", "start": "2026-11-28T09:00:00+04:00"},
    ),
    (
        "Réunion iCal line, all-day",
        item(
            title="Marché solidaire de Noël",
            location_name="Front de mer, 97410 Saint-Pierre",
            start=date(2026, 12, 19),
            end=date(2026, 12, 19),
            timezone="Indian/Reunion",
        ),
        "La Réunion",
        {
            "location_name": "Front de mer",
            "postcode": "97410",
            "city": "Saint-Pierre",
            "department": "974",
            "region": "La Réunion",
            "timezone": "Indian/Reunion",
            "start": "2026-12-19T00:00:00+04:00",
            "end": "2026-12-19T00:00:00+04:00",
        },
    ),
    (
        "Réunion by default région only",
        item(location_name="Jardin de l'État", start=datetime(2026, 11, 28, 9)),
        "La Réunion",
        {
            "region": "La Réunion",
            "department": None,
            "timezone": "Indian/Reunion",
            "start": "2026-11-28T09:00:00+04:00",
        },
    ),
    (
        "stated zone wins",
        item(city="Brest", postcode="29200", timezone="America/Cayenne", start=datetime(2026, 11, 28, 9)),
        "Bretagne",
        {"timezone": "America/Cayenne", "start": "2026-11-28T09:00:00-03:00"},
    ),
    (
        "aware time kept as the same instant",
        item(
            city="Brest",
            postcode="29200",
            start=datetime(2026, 11, 28, 8, tzinfo=timezone(timedelta(hours=-1))),
        ),
        None,
        {"timezone": "Europe/Paris", "start": "2026-11-28T10:00:00+01:00"},
    ),
    (
        "Corse",
        item(city="Bastia", postcode="20200"),
        None,
        {"department": "2B", "region": "Corse", "timezone": "Europe/Paris"},
    ),
    (
        "summer time",
        item(city="Dijon", postcode="21000", start=datetime(2026, 7, 1, 18)),
        None,
        {"start": "2026-07-01T18:00:00+02:00"},
    ),
    (
        "cancelled by the title, Mois de l'ESS from keywords",
        item(
            title="ANNULÉ – Soirée jeux coopératifs",
            categories=["Animations", "Mois de l'ESS"],
            location_name="Café Pluche",
        ),
        "Nouvelle-Aquitaine",
        {"status": "cancelled", "categories": ["Mois de l'ESS"], "region": "Nouvelle-Aquitaine"},
    ),
    (
        "complet is not cancelled",
        item(title="COMPLET – Atelier réparation vélo", status="confirmed"),
        None,
        {"status": "confirmed", "categories": ["Atelier"]},
    ),
    (
        "structured cancellation",
        item(title="Forum ESS & emploi", status="cancelled"),
        None,
        {"status": "cancelled", "categories": ["Forum"]},
    ),
]


@pytest.mark.parametrize(
    ("given", "default_region", "expected"), [c[1:] for c in SAMPLES], ids=[c[0] for c in SAMPLES]
)
def test_normalize_item(given: dict[str, Any], default_region: str | None, expected: dict[str, Any]) -> None:
    fields = normalize_item(given, default_region)
    actual = {
        name: value.isoformat() if isinstance(value, datetime) else value
        for name, value in fields.items()
        if name in expected
    }
    assert actual == expected


def test_online_flag_clears_the_place() -> None:
    fields = normalize_item(item(online=True, city="Brest", postcode="29200", lat=48.4, lon=-4.5), "Bretagne")
    assert fields["online"] is True
    assert [fields[name] for name in (*PLACE, "lat", "lon")] == [None] * (len(PLACE) + 2)


def test_events_at_one_venue_share_its_place_and_a_title_still_decides_online() -> None:
    venue = {"location_name": "Maison des associations", "address": "4 rue de Siam", "city": "Brest"}
    forum = normalize_item(item(title="Forum de l'ESS", **venue), "Bretagne")
    atelier = normalize_item(item(title="Atelier compta", key="k2", **venue), "Bretagne")
    assert [forum[name] for name in PLACE] == [atelier[name] for name in PLACE]
    assert (atelier["insee"], atelier["region"]) == ("29019", "Bretagne")
    # No place given: the title says online or not, and only the first has no région.
    webinar = normalize_item(item(title="Webinaire : financer son projet"), "Bretagne")
    meeting = normalize_item(item(title="Assemblée générale", key="k2"), "Bretagne")
    assert (webinar["online"], webinar["region"]) == (True, None)
    assert (meeting["online"], meeting["region"]) == (False, "Bretagne")


def test_coordinates_that_are_no_numbers_leave_the_place_to_the_city() -> None:
    fields = normalize_item(item(city="Brest", postcode="29200", lat=[48.4], lon={"value": -4.5}))
    assert (fields["insee"], fields["lat"]) == ("29019", geography().centre("29019")[0])


def test_all_day_event_spans_local_days() -> None:
    fields = normalize_item(
        item(start=date(2026, 12, 12), end=date(2026, 12, 13), all_day=True, city="Nontron")
    )
    assert fields["start"] == datetime(2026, 12, 12, tzinfo=ZoneInfo("Europe/Paris"))
    assert fields["end"] == datetime(2026, 12, 13, tzinfo=ZoneInfo("Europe/Paris"))
    assert fields["all_day"] is True


def test_all_day_from_datetimes_keeps_the_local_day() -> None:
    start = datetime(2026, 12, 18, 20, tzinfo=UTC)  # already the 19th in Saint-Pierre
    fields = normalize_item(item(start=start, all_day=True, city="Saint-Pierre", postcode="97410"))
    assert fields["start"] == datetime(2026, 12, 19, tzinfo=ZoneInfo("Indian/Reunion"))


def test_iso_text_is_read() -> None:
    fields = normalize_item(item(start="2026-11-28T14:00:00", end="2026-11-28T16:00:00", city="Brest"))
    assert fields["start"].isoformat() == "2026-11-28T14:00:00+01:00"
    assert fields["end"].isoformat() == "2026-11-28T16:00:00+01:00"


def test_end_equal_to_start_means_no_end() -> None:
    assert normalize_item(item(end=datetime(2026, 11, 28, 14)))["end"] is None


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"start": None}, "no start"),
        ({"start": datetime(9999, 12, 31, 23)}, "implausible year 9999"),
        ({"start": date(1, 1, 1), "all_day": True}, "implausible year 1"),
        ({"end": datetime(9999, 1, 1)}, "implausible year 9999"),
        ({"end": datetime(2026, 11, 28, 9)}, "before start"),
        ({"start": date(2026, 12, 2), "end": date(2026, 12, 1), "all_day": True}, "before start"),
        ({"start": "le 28 novembre"}, "unreadable date"),
        ({"title": "  "}, "no title"),
        ({"key": None}, "no key"),
    ],
)
def test_rejects_impossible_items(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(NormalizationError, match=message):
        normalize_item(item(**fields))


def test_text_comes_out_plain_whatever_the_spider_gave() -> None:
    fields = normalize_item(
        item(
            title="Atelier &lt;script&gt;alert(1)&lt;/script&gt; couture &amp; <b>réparation</b>",
            description="<p>Venez&nbsp;nombreux&#8239;!</p><p>Entrée &amp;eacute; libre</p>",
            organizer="Recyclerie &quot;Le Fil&quot;",
            location_name="<em>Maison</em>   des associations",
            city="Brest\u0000",
            url="https://recyclerie.example/agenda/?id=1&lang=fr",
        )
    )
    assert fields["title"] == "Atelier couture & réparation"
    assert fields["description"] == "Venez nombreux !\n\nEntrée é libre"
    assert fields["organizer"] == 'Recyclerie "Le Fil"'
    assert (fields["location_name"], fields["city"]) == ("Maison des associations", "Brest")
    assert fields["url"] == "https://recyclerie.example/agenda/?id=1&lang=fr"  # a URL is no text


def test_rubbish_place_fields_are_bounded() -> None:
    fields = normalize_item(
        item(city="x" * 5000, postcode="123456789012", department="???", region="Atlantis")
    )
    assert len(fields["city"]) <= 200
    assert fields["postcode"] is None
    assert fields["department"] is None
    assert fields["region"] is None


def test_content_hash_follows_content() -> None:
    first = normalize_item(item(city="Brest"))
    assert normalize_item(item(city="Brest"))["content_hash"] == first["content_hash"]
    assert normalize_item(item(city="Brest", title="Atelier vélo"))["content_hash"] != first["content_hash"]


def _expected_for(listing: Listing, expected: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The expected event a listing announces: same source, same local day, similar title."""
    day = listing.start_date.isoformat()
    found = [
        event
        for event in expected
        if event["start"][:10] == day
        and listing.source.name in event["listed_on"]
        and max(
            fuzz.token_set_ratio(fold(t), fold(listing.title))
            for t in [event["title"], *event.get("title_variants", [])]
        )
        >= 70
    ]
    return found[0] if len(found) == 1 else None


def test_sample_listings_have_their_expected_place_and_zone(samples_db: str) -> None:
    """Every sample listing that names a place resolves to the expected city, département, région and
    zone; its postcode is the expected one or, when its source gives none, absent."""
    expected = json.loads(EXPECTED_FILE.read_text(encoding="utf-8"))["events"]
    with get_sessionmaker(samples_db)() as session:
        listings = session.scalars(select(Listing).options(selectinload(Listing.source))).all()
        checked, wrong = 0, []
        for listing in listings:
            event = _expected_for(listing, expected)
            if event is None:
                continue
            checked += 1
            actual = {k: getattr(listing, k) for k in ("city", "department", "region", "timezone")}
            wanted = {k: event[k] for k in actual}
            if actual != wanted or listing.postcode not in (None, event["postcode"]):
                wrong.append(
                    f"{listing.source.name} {listing.title}: {actual} {listing.postcode} != {wanted}"
                )
    assert checked >= 40
    assert wrong == []


def test_a_bare_date_is_all_day_whatever_the_flag() -> None:
    fields = normalize_item(item(start=date(2026, 12, 12), all_day=False))
    assert fields["all_day"] is True


@pytest.mark.parametrize(
    ("end", "expected"),
    [(date(2026, 11, 28), None), (date(2026, 11, 29), "2026-11-30T00:00:00+01:00")],
)
def test_timed_event_ending_on_a_day(end: date, expected: str | None) -> None:
    fields = normalize_item(item(end=end))
    assert (fields["end"].isoformat() if fields["end"] else None) == expected


place_text = st.one_of(
    st.none(), st.text(max_size=80), st.sampled_from(["Saint-Denis", "29200", "(974)", "2A", ","])
)


@settings(max_examples=150, deadline=None)
@given(
    location_name=place_text,
    address=place_text,
    postcode=place_text,
    city=place_text,
    insee=place_text,
    department=place_text,
    region=place_text,
    lat=st.one_of(st.none(), st.floats(), st.text(max_size=5)),
    default_region=st.sampled_from([None, "Bretagne", "La Réunion", "Ailleurs"]),
)
def test_any_place_text_fits_the_columns(default_region: str | None, **place: Any) -> None:
    fields = normalize_item(item(lon=2.0, **place), default_region)
    assert fields["postcode"] is None or (len(fields["postcode"]) == 5 and fields["postcode"].isdigit())
    assert fields["department"] is None or len(fields["department"]) <= 3
    assert fields["region"] in {None, *geography().regions}
    assert fields["city"] is None or len(fields["city"]) <= 200
    assert fields["start"].tzinfo is not None


def test_naive_times_of_a_placeless_event_are_read_in_the_sources_zone() -> None:
    naive = item(start="2026-12-11T9:30")  # an ISO-like value without zero padding
    assert normalize_item(naive)["start"].isoformat() == "2026-12-11T09:30:00+01:00"  # Paris
    assert normalize_item(naive, "La Réunion")["timezone"] == "Indian/Reunion"
    zoned = normalize_item(naive, "Bretagne", default_zone="America/Cayenne")
    assert (zoned["timezone"], zoned["start"].isoformat()) == ("America/Cayenne", "2026-12-11T09:30:00-03:00")
    placed = normalize_item({**naive, "city": "Brest", "postcode": "29200"}, default_zone="America/Cayenne")
    assert placed["timezone"] == "Europe/Paris"  # the place's zone first


def test_a_source_in_a_zone_outside_france_makes_no_french_place_of_a_bare_postcode() -> None:
    atlanta = item(start="2022-08-13T11:00", address="840 Cherokee Ave SE", postcode="30312", city="Atlanta")
    fields = normalize_item(atlanta, default_zone="America/New_York")
    assert (fields["postcode"], fields["city"], fields["department"], fields["region"]) == (
        "30312",
        "Atlanta",
        None,
        None,
    )
    assert (fields["country"], fields["timezone"]) == (None, "America/New_York")
    assert normalize_item(atlanta)["department"] == "30"  # a French source: Gard, as written
    overseas = normalize_item(
        {**atlanta, "postcode": "97300", "city": "Cayenne"}, default_zone="America/Cayenne"
    )
    assert overseas["department"] == "973"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-5-28T16:30+0:00", "2024-05-28T16:30:00+00:00"),
        ("2019-9-18T10:00", "2019-09-18T10:00:00"),
        ("2019-9-8", "2019-09-08"),
        ("2026-12-1T9:5:7+0530", "2026-12-01T09:05:07+05:30"),
    ],
)
def test_iso_like_values_without_zero_padding(text: str, expected: str) -> None:
    from aggregator.normalize.times import parse_moment

    moment = parse_moment(text)
    assert moment is not None and moment.isoformat() == expected


@pytest.mark.parametrize("text", ["2024-13-1", "2024-5-28T25:00", "2024-5-28T10:00+24:00", "bientôt"])
def test_an_unreadable_date_is_named(text: str) -> None:
    with pytest.raises(NormalizationError, match=re.escape(f"unreadable date '{text}'")):
        normalize_item(item(start=text))


def test_characters_xml_forbids_never_reach_a_listing() -> None:
    item = {"key": "k", "title": "Atelier \ufffe vélo \uffff\x0b", "start": "2026-12-01T14:00:00+01:00"}
    fields = normalize_item(item | {"description": "Outils\uffff fournis\x01"})
    assert (fields["title"], fields["description"]) == ("Atelier vélo", "Outils fournis")
