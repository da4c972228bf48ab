"""The html kind, crawled over HTTP: a legacy agenda in windows-1252 and ISO-8859-1, and hdf-ess."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import Row

from tests.spiders.crawled import as_expected, crawled, expected_samples, last_run, listings

OPTIONS = {
    # Element selectors throughout: the text of "h2", the href of "h2 a" and of "a.suivant".
    "item": "li.evt",
    "title": "h2",
    "date": "div.quand",
    "time": "span.heure::text",
    "location": "p.ou::text",
    "link": "h2 a",
    "next": "a.suivant",
    "reference_date": "2026-11-10",
}
SOURCES = [{"name": "ess-artois", "kind": "html", "url": "{artois}/ess-artois/agenda", "options": OPTIONS}]

EXPECTED = {
    "/ess-artois/evenements/forum-achats-responsables": {
        "title": "Forum des achats responsables",
        "start": "2026-11-18T14:00:00+01:00",
        "end": "2026-11-18T17:00:00+01:00",
        "location_name": "Salle des fêtes",
        "address": "3 rue de l’Église",
        "postcode": "62000",
        "city": "Arras",
    },
    "/ess-artois/evenements/soiree-cigales-bethune": {
        "title": "Soirée Cigales : l’épargne solidaire",
        "start": "2026-11-25T18:30:00+01:00",
        "end": None,
        "city": "Béthune",
        "department": "62",
    },
    "/ess-artois/evenements/repair-cafe-lens": {
        "title": "Repair café de Lens",
        "start": "2026-11-28T10:00:00+01:00",
        "end": "2026-11-28T16:00:00+01:00",
        "location_name": "Maison des associations",
        "postcode": "62300",
        "city": "Lens",
    },
    "/ess-artois/evenements/visio-reseau": {
        "title": "Réunion du réseau",
        "start": "2026-12-03T09:30:00+01:00",
        "end": "2026-12-03T11:00:00+01:00",
        "online": True,
        "city": None,
    },
    # Neither date nor place on the agenda: both come from the event's page.
    "/ess-artois/evenements/assemblee-generale-2027": {
        "title": "Assemblée générale 2027",
        "start": "2027-01-14T18:00:00+01:00",
        "end": "2027-01-14T20:00:00+01:00",
        "location_name": "Maison des sociétés",
        "address": "16 rue Aristide Briand",
        "postcode": "62000",
        "city": "Arras",
    },
    # On the second page, in ISO-8859-1.
    "/ess-artois/evenements/matinale-financement": {
        "title": "Matinale du financement solidaire",
        "start": "2027-01-12T09:30:00+01:00",
        "end": "2027-01-12T12:00:00+01:00",
        "location_name": "Maison de l'ESS",
        "address": "8 boulevard Vauban",
        "postcode": "59000",
        "city": "Lille",
    },
}


@pytest.fixture(scope="module")
def artois(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with crawled(tmp_path_factory.mktemp("html"), {"artois": "html-agenda"}, SOURCES) as url:
        yield url


@pytest.fixture(scope="module")
def artois_listings(artois: str) -> dict[str, Row[Any]]:
    return {urlsplit(listing.key).path: listing for listing in listings(artois, "ess-artois")}


def _field(listing: Row[Any], name: str) -> Any:
    return as_expected(listing)[name] if name in ("start", "end", "all_day") else getattr(listing, name)


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_agenda_event(artois_listings: dict[str, Row[Any]], path: str) -> None:
    listing = artois_listings[path]
    for name, value in EXPECTED[path].items():
        assert _field(listing, name) == value, name


def test_every_block_once_and_keys_canonical(artois_listings: dict[str, Row[Any]]) -> None:
    assert set(artois_listings) == set(EXPECTED)
    assert all("utm_" not in listing.key for listing in artois_listings.values())


def test_agenda_crawled_cleanly(artois: str) -> None:
    run = last_run(artois, "ess-artois")
    assert (run.status, run.error_count) == ("succeeded", 0), run.errors


# -- the sample source ---------------------------------------------------------------------------

HDF_EVENTS = [e for e in expected_samples()["events"] if "hdf-ess" in e["listed_on"]]


@pytest.mark.parametrize("event", HDF_EVENTS, ids=lambda e: e["start"][:10])
def test_hdf_ess_event_exact(samples_db: str, event: dict[str, Any]) -> None:
    titles = {event["title"], *event["title_variants"]}
    [listing] = [x for x in listings(samples_db, "hdf-ess") if x.title in titles]
    got = as_expected(listing)
    wanted = {k: event[k] for k in ("start", "end", "all_day", "city", "department")}
    wanted["online"] = event["city"] is None
    assert {k: got[k] for k in wanted} == wanted
    if len(event["listed_on"]) == 1:
        assert got["postcode"] == event["postcode"]


def test_hdf_ess_lists_only_its_events(samples_db: str) -> None:
    assert len(listings(samples_db, "hdf-ess")) == len(HDF_EVENTS)
