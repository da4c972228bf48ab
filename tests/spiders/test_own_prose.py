"""Our own prose sites (tests/fixtures/own-prose), each crawled over HTTP as an ``auto`` source from its
homepage alone: discovery, documents, candidates, verdicts, stored listings. Each gives exactly the
events it announces, and none of its traps (deadlines, reports, opening hours, closures, a job offer,
a jury, a members' meeting without a date)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Row

from tests.spiders.crawled import as_expected, crawled, last_run, listings

SITES = {"idf": "own-prose/cress-idf", "angers": "own-prose/ressourcerie-angers", "hdf": "own-prose/apes-hdf"}
SOURCES = [
    {"name": "cress-idf", "kind": "auto", "url": "{idf}/", "region": "Île-de-France"},
    {"name": "ressourcerie-angers", "kind": "auto", "url": "{angers}/", "region": "Pays de la Loire"},
    {"name": "apes-hdf", "kind": "auto", "url": "{hdf}/", "region": "Hauts-de-France"},
]
ONLINE = ("en ligne", None, None)
# Per source: title, start, end (local times, the suite's clock on 2026-11-23) and place (address,
# postcode, city), or ONLINE.
EXPECTED: dict[str, set[tuple[str, str, str | None, tuple[str | None, str | None, str | None]]]] = {
    # A newsletter post of bold agenda lines and sections (linked from the homepage as "Les
    # rendez-vous de décembre", so explored as an agenda page too, and read once); a job offer; a post
    # whose flyer PDF gives the hours and the address.
    "cress-idf": {
        (
            "Petit-déjeuner « Achats responsables »",
            "2026-12-08T08:30:00+01:00",
            "2026-12-08T10:30:00+01:00",
            ("8 rue de la Loire", "75019", "Paris"),
        ),
        (
            "Forum des coopératives",
            "2026-12-12T10:00:00+01:00",
            "2026-12-12T18:00:00+01:00",
            ("20 esplanade Nathalie-Sarraute", "75018", "Paris"),
        ),
        (
            "Atelier « Comptabilité associative »",
            "2026-12-17T14:00:00+01:00",
            "2026-12-17T17:30:00+01:00",
            ONLINE,
        ),
        (
            "Rencontres de l’emploi solidaire : le programme",
            "2027-01-14T09:00:00+01:00",
            "2027-01-14T16:30:00+01:00",
            ("1 place Salvador-Allende", "94000", "Créteil"),
        ),
    },
    # An association's Agenda page: "Sam. 5/12 — 14h30-17h : atelier …", the place stated once above.
    "ressourcerie-angers": {
        (
            "Atelier couture zéro déchet",
            "2026-12-05T14:30:00+01:00",
            "2026-12-05T17:00:00+01:00",
            ("5 rue Saint-Lazare", "49100", "Angers"),
        ),
        (
            "Soirée jeux de société d’occasion",
            "2026-12-09T18:00:00+01:00",
            "2026-12-09T20:00:00+01:00",
            ("5 rue Saint-Lazare", "49100", "Angers"),
        ),
        (
            "Grande vente de Noël",
            "2026-12-19T10:00:00+01:00",
            "2026-12-19T17:00:00+01:00",
            ("5 rue Saint-Lazare", "49100", "Angers"),
        ),
        (
            "Repair café",
            "2027-01-16T14:00:00+01:00",
            "2027-01-16T17:00:00+01:00",
            ("1 place Jean-Vilar", "49000", "Angers"),
        ),
    },
    # A Drupal site's Atom feed of whole posts: a call for projects, a bilan, a webinar dated 07/01/2027.
    "apes-hdf": {
        (
            "Conférence-débat : l’ESS face à la transition écologique",
            "2026-12-10T18:30:00+01:00",
            None,
            ("place Augustin-Laurent", "59000", "Lille"),
        ),
        (
            "Webinaire « Financer son projet par le mécénat »",
            "2027-01-07T11:00:00+01:00",
            "2027-01-07T12:00:00+01:00",
            ONLINE,
        ),
    },
}


@pytest.fixture(scope="module")
def own_sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with crawled(tmp_path_factory.mktemp("own-prose"), SITES, SOURCES) as url:
        yield url


def _event(listing: Row[Any]) -> tuple[str, str, str | None, tuple[str | None, str | None, str | None]]:
    moments = as_expected(listing)
    place = ONLINE if listing.online else (listing.address, listing.postcode, listing.city)
    return listing.title, moments["start"], moments["end"], place


@pytest.mark.parametrize("source", sorted(EXPECTED))
def test_each_announced_event_and_no_trap(own_sites: str, source: str) -> None:
    run = last_run(own_sites, source)
    assert (run.status, run.errors) == ("succeeded", [])  # no warning either: each key given once
    assert {_event(listing) for listing in listings(own_sites, source)} == EXPECTED[source]
