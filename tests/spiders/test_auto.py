"""The auto kind: discovery on one page, then whole crawls from a homepage over HTTP, each site
offering another way of publishing events; and the cress-reunion sample."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.discovery import DiscoveryError, discover_url, discovery_report
from aggregator.models import CrawlRun, Listing, Source
from aggregator.samples_server import EXPECTED_FILE, serve_sites
from aggregator.schema import upgrade
from core.kinds import BLOCKS, ICAL, JSONLD, OPENAGENDA, RSS, TRIBE
from spiders.extract.discover import (
    Candidate,
    agenda_pages,
    confirms,
    discover,
    rank,
    sniff,
)
from tests.spiders.crawling import FIXTURES, crawl, crawl_unstored, listings

BASE = "https://asso.example/"
PARIS = ZoneInfo("Europe/Paris")


def kinds_and_urls(candidates: list[Candidate]) -> list[tuple[str, str]]:
    return [(c.kind, c.url) for c in candidates]


# -- discovery on one page ------------------------------------------------------------------


def test_declared_feeds_ranked_structured_first():
    html = """<html><head>
      <link rel="alternate" type="application/rss+xml" title="Flux" href="/feed/">
      <link rel="alternate" type="application/rss+xml" title="Flux des commentaires" href="/comments/feed/">
      <link rel="alternate" type="text/calendar" href="/agenda/?ical=1">
      <link rel="https://api.w.org/" href="https://asso.example/wp-json/">
    </head><body>
      <iframe src="https://openagenda.com/agendas/4242/embeds/1/events?lang=fr"></iframe>
      <a href="webcal://asso.example/ateliers.ics">S'abonner</a>
    </body></html>"""
    found = discover(html, BASE)
    assert kinds_and_urls(found) == [
        (TRIBE, "https://asso.example/wp-json/tribe/events/v1/events"),
        (OPENAGENDA, "https://openagenda.com/agendas/4242/events.v2.json"),
        (ICAL, "https://asso.example/agenda/?ical=1"),
        (ICAL, "https://asso.example/ateliers.ics"),
        (RSS, "https://asso.example/feed/"),
    ]
    assert found[0].guessed and not found[2].guessed


def test_tribe_route_from_the_link_header_plain_permalinks_or_markup():
    header = (
        '<https://asso.example/wp-json/>; rel="https://api.w.org/", '
        "<https://asso.example/?p=2>; rel=shortlink"
    )
    assert kinds_and_urls(discover("<html></html>", BASE, [header])) == [
        (TRIBE, "https://asso.example/wp-json/tribe/events/v1/events")
    ]
    plain = '<link rel="https://api.w.org/" href="https://asso.example/?rest_route=/">'
    assert kinds_and_urls(discover(plain, BASE)) == [
        (TRIBE, "https://asso.example/?rest_route=/tribe/events/v1/events")
    ]
    markup = '<div class="tribe-events-calendar-list"></div>'
    assert discover(markup, "https://asso.example/agenda/")[0].url == (
        "https://asso.example/wp-json/tribe/events/v1/events"
    )


def test_google_calendar_embed_and_events_on_the_page():
    html = """<html><head><script type="application/ld+json">
      {"@context": "https://schema.org", "@type": "Event", "name": "Troc", "startDate": "2026-12-05"}
    </script></head><body>
      <iframe src="https://calendar.google.com/calendar/embed?src=ateliers%40gmail.com&amp;ctz=Europe%2FParis"></iframe>
    </body></html>"""
    assert kinds_and_urls(discover(html, BASE)) == [
        (ICAL, "https://calendar.google.com/calendar/ical/ateliers%40gmail.com/public/basic.ics"),
        (JSONLD, "https://asso.example/"),
    ]


def test_wordpress_event_plugins_by_their_markup_without_a_rest_link():
    def exports(markup: str) -> list[tuple[str, str]]:
        html = f'<link rel="stylesheet" href="/asso/wp-content/themes/astra/style.css">{markup}'
        return [(c.kind, c.url) for c in discover(html, "https://asso.example/asso/") if c.kind == ICAL]

    root = "https://asso.example/asso"
    assert exports('<div class="tribe-events-widget"></div>') == [
        (ICAL, f"{root}?eventDisplay=list&ical=1&post_type=tribe_events")
    ]
    assert exports('<div class="em em-events-list"></div>') == [(ICAL, f"{root}/events.ics")]
    assert exports('<div class="mec-wrap"></div>') == [(ICAL, f"{root}?mec-ical-feed=1")]
    assert exports('<div class="ai1ec-agenda-view"></div>') == [
        (
            ICAL,
            f"{root}?action=export_events&controller=ai1ec_exporter_controller&plugin=all-in-one-event-calendar",
        )
    ]
    tribe = discover('<div class="tribe-events-widget"></div>', "https://asso.example/asso/")[0]
    assert (tribe.kind, tribe.url) == (TRIBE, "https://asso.example/wp-json/tribe/events/v1/events")
    assert exports('<a href="/agenda/?ical=1">Exporter</a>') == [
        (ICAL, "https://asso.example/agenda/?ical=1")
    ]


def test_openagenda_mobilizon_and_gancio_embeds():
    html = """<div class="cibulCalendar" data-oacl data-cbctl="49405812|fr"></div>
      <a href="https://mobilizon.fr/@repair-cafe">Notre groupe</a>
      <a href="https://asso.example/@bob">Bob</a>
      <gancio-events baseurl="https://gancio.example/" maxlength="5"></gancio-events>"""
    assert kinds_and_urls(discover(html, BASE)) == [
        (OPENAGENDA, "https://openagenda.com/agendas/49405812/events.v2.json"),
        (ICAL, "https://mobilizon.fr/@repair-cafe/feed/ics"),
        (ICAL, "https://gancio.example/feed/ics"),
    ]


def test_a_mobilizon_group_or_a_gancio_instance_given_as_the_address():
    group = discover(
        "<html><title>Repair café · Mobilizon</title></html>", "https://mobilizon.fr/@repair-cafe"
    )
    assert kinds_and_urls(group) == [(ICAL, "https://mobilizon.fr/@repair-cafe/feed/ics")]
    gancio = """<link rel="alternate" type="application/rss+xml" href="https://agenda.example/feed/rss">
      <footer>Propulsé par <a href="https://gancio.org">Gancio</a></footer>"""
    assert kinds_and_urls(discover(gancio, "https://agenda.example/")) == [
        (ICAL, "https://agenda.example/feed/ics"),
        (RSS, "https://agenda.example/feed/rss"),
    ]


def test_a_page_offering_nothing():
    assert discover("<html><body><a href='/contact/'>Contact</a></body></html>", BASE) == []


def test_rank_keeps_each_url_once_and_declared_before_guessed():
    guessed = Candidate(TRIBE, "https://a/wp-json/tribe/events/v1/events", "guess", guessed=True)
    linked = Candidate(TRIBE, "https://b/wp-json/tribe/events/v1/events", "link")
    rss = Candidate(RSS, "https://a/feed", "link")
    assert rank([rss, guessed, linked, rss]) == [linked, guessed, rss]


def test_agenda_pages_are_menu_entries_not_news_titles():
    html = """<nav><a href="/">Accueil</a><a href="/nos-rendez-vous/">Agenda</a>
      <a href="/evenements/">Tous</a></nav>
      <a href="/2026/11/bilan/">Compte rendu de l'évènement de novembre à Dijon</a>
      <a href="https://ailleurs.example/agenda/">Agenda partenaire</a>
      <a href="/agenda.ics">Agenda (iCal)</a>"""
    assert agenda_pages(html, BASE) == [
        "https://asso.example/evenements/",
        "https://asso.example/nos-rendez-vous/",
    ]


def test_confirms_and_sniff():
    assert confirms(ICAL, b"\xef\xbb\xbfBEGIN:VCALENDAR\r\nVERSION:2.0")
    assert not confirms(ICAL, b"<html>BEGIN:VCALENDAR</html>")
    assert confirms(RSS, b'<?xml version="1.0"?><rss version="2.0">')
    assert confirms(RSS, b'<?xml version="1.0"?>\n<feed xmlns="http://www.w3.org/2005/Atom">')
    assert confirms(TRIBE, b'{"events": [], "total": 0}')
    assert not confirms(TRIBE, b'{"code": "rest_no_route"}') and not confirms(OPENAGENDA, b"<html>")
    assert sniff("https://a/x", b"BEGIN:VCALENDAR") == Candidate(
        ICAL, "https://a/x", "the address is an iCalendar feed"
    )
    tribe = sniff("https://a/api", b'{"events": [{"id": 1, "start_date": "2026-12-01 10:00:00"}]}')
    assert tribe is not None and tribe.kind == TRIBE
    oa = sniff("https://a/api", b'{"events": [{"uid": 1, "timings": []}]}')
    assert oa is not None and oa.kind == OPENAGENDA
    assert sniff("https://a/", b"<html></html>") is None


# -- discovery without a crawl, and its record ------------------------------------------------


def test_discover_url_fetches_and_counts_what_it_finds():
    with serve_sites(FIXTURES / "auto") as base:
        found = discover_url(f"{base}/tribe-site/")
        direct = discover_url(f"{base}/tribe-site/agenda.ics")
        with pytest.raises(DiscoveryError, match=r"cannot fetch .*HTTP 404"):
            discover_url(f"{base}/absent/")
    outcomes = [(f.candidate.kind, f.events, f.outcome) for f in found]
    # The comments feed is left out; neither the feed nor the export The Events Calendar may serve is here.
    assert outcomes == [
        (TRIBE, 1, "1 events"),
        (ICAL, 1, "1 events"),
        (ICAL, 0, "the site answered HTTP 404"),
        (RSS, 0, "the site answered HTTP 404"),
    ]
    assert [(f.candidate.kind, f.candidate.url, f.events) for f in direct] == [
        (ICAL, f"{base}/tribe-site/agenda.ics", 1)
    ]
    with pytest.raises(DiscoveryError, match="not an http"):
        discover_url("file:///etc/passwd")


def test_the_best_lead_is_never_an_address_answering_404():
    """On the samples' /pes21/agenda/, the WordPress REST root suggests a Tribe endpoint that does
    not exist; the events are in the JSON-LD of the pages the agenda links to."""
    with serve_sites() as base:
        found = discover_url(f"{base}/pes21/agenda/")
        portal = discover_url(f"{base}/hdf-ess/")
    best = found[0]
    assert (best.candidate.kind, best.candidate.url, best.events > 0) == (
        JSONLD,
        f"{base}/pes21/agenda/",
        True,
    )
    tribe = next(f for f in found if f.candidate.kind == TRIBE)
    assert (tribe.events, tribe.outcome, found[-1]) == (0, "the site answered HTTP 404", tribe)
    assert (portal[0].candidate.kind, portal[0].events) == (BLOCKS, 5)  # its agenda page's cards


def test_the_discovery_report_names_every_candidate_and_the_choice():
    chosen = Candidate(ICAL, "https://asso.example/agenda.ics", "a link")
    tried = Candidate(TRIBE, "https://asso.example/wp-json/tribe/events/v1/events", "api", guessed=True)
    stored = discovery_report(BASE, [tried, chosen], {tried: "HTTP 404", chosen: "chosen"}, chosen)
    assert stored["chosen"] == {**chosen.as_dict()}
    assert [(c["kind"], c["outcome"]) for c in stored["candidates"]] == [
        (TRIBE, "HTTP 404"),
        (ICAL, "chosen"),
    ]


# -- whole crawls from a homepage ---------------------------------------------------------------

# One site per shape discovery recognises, each crawled from its homepage: (title, what pointed there).
PLUGIN_SITES = {
    "tec-widget": ("Troc de jouets", "The Events Calendar's markup"),
    "em-site": ("Café des associations", "Events Manager's markup"),
    "mec-site": ("Atelier couture", "Modern Events Calendar's markup"),
    "ai1ec-site": ("Repas partagé", "All-in-One Event Calendar's markup"),
    "gcal-site": ("Distribution solidaire", "an embedded Google Calendar"),
    "mobilizon-site": ("Repair café de décembre", "a Mobilizon group"),
    "gancio-site": ("Concert de soutien", "an embedded Gancio agenda"),
}


SOURCES = [
    {"name": "a-tribe", "kind": "auto", "url": "{base}/tribe-site/"},
    {"name": "a-openagenda", "kind": "auto", "url": "{base}/oa-site/"},
    {"name": "a-agenda", "kind": "auto", "url": "{base}/jsonld-agenda/"},
    {"name": "a-home", "kind": "auto", "url": "{base}/jsonld-home/"},
    {"name": "a-agenda-page", "kind": "auto", "url": "{base}/jsonld-agenda/agenda/"},
    {"name": "a-rss", "kind": "auto", "url": "{base}/rss-site/"},
    {"name": "a-nothing", "kind": "auto", "url": "{base}/nothing/"},
    {"name": "a-direct", "kind": "auto", "url": "{base}/tribe-site/agenda.ics"},
    {"name": "a-cards", "kind": "auto", "url": "{prose}/ess-sud/"},
    {"name": "a-empty-export", "kind": "auto", "url": "{base}/em-empty/"},
    *({"name": f"a-{site}", "kind": "auto", "url": f"{{base}}/{site}/"} for site in PLUGIN_SITES),
    {"name": "a-portal", "kind": "auto", "url": "{base}/portail/"},
]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, dict[str, CrawlRun]]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('auto') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    with (
        serve_sites(FIXTURES / "auto") as base,
        serve_sites(FIXTURES / "prose" / "sites") as prose,
        pytest.MonkeyPatch.context() as patch,
    ):
        # The OpenAgenda embed points to openagenda.com: its exports are served here instead.
        patch.setenv("ESS_AGENDA_OPENAGENDA_URL", f"{base}/openagenda")
        patch.setenv("ESS_AGENDA_GOOGLE_CALENDAR_URL", f"{base}/google")
        runs = crawl(url, base, [{**s, "url": s["url"].replace("{prose}", prose)} for s in SOURCES])
    yield url, base, runs
    dispose_engine(url)


def discovered(database_url: str, source: str) -> dict[str, Any]:
    with get_sessionmaker(database_url)() as session:
        value: dict[str, Any] = session.scalars(select(Source.discovered).where(Source.name == source)).one()
        return value


def chosen_kind(database_url: str, source: str) -> str | None:
    chosen = discovered(database_url, source)["chosen"]
    return chosen["kind"] if chosen else None


@pytest.mark.parametrize(
    ("source", "kind", "titles"),
    [
        ("a-tribe", TRIBE, ["Forum des associations – édition d’hiver"]),
        ("a-openagenda", OPENAGENDA, ["Journée de la coopération"]),
        ("a-agenda", JSONLD, ["Assemblée des usagers", "Repair café"]),
        ("a-agenda-page", JSONLD, ["Assemblée des usagers", "Repair café"]),  # given its agenda page
        ("a-home", JSONLD, ["Atelier cuisine anti-gaspi", "Distribution de paniers"]),
        ("a-rss", RSS, ["Forum des métiers de l’ESS le jeudi 10 décembre à Besançon"]),
        ("a-direct", ICAL, ["Forum des associations – édition d’hiver"]),
    ],
)
def test_the_best_source_is_chosen_and_crawled_by_its_own_kind(sites, source, kind, titles):
    url, _, runs = sites
    assert runs[source].status == "succeeded", runs[source].errors
    assert chosen_kind(url, source) == kind
    assert sorted(listing.title for listing in listings(url, source).values()) == titles


def test_the_operator_sees_every_candidate_and_what_fetching_it_showed(sites):
    url, base, _ = sites
    report = discovered(url, "a-agenda")
    assert report["url"] == f"{base}/jsonld-agenda/"
    outcomes = [(c["kind"], c["url"].removeprefix(base), c["outcome"]) for c in report["candidates"]]
    assert outcomes == [
        (TRIBE, "/jsonld-agenda/wp-json/tribe/events/v1/events", "HTTP 404"),
        (JSONLD, "/jsonld-agenda/agenda/", "chosen"),
        (RSS, "/jsonld-agenda/feed.xml", "not tried"),
    ]
    tribe_site = [(c["kind"], c["outcome"]) for c in discovered(url, "a-tribe")["candidates"]]
    assert tribe_site == [(TRIBE, "chosen"), (ICAL, "not tried"), (ICAL, "not tried"), (RSS, "not tried")]


def test_items_delegated_keep_their_kind_keys_and_fields(sites):
    url, _, _ = sites
    (forum,) = listings(url, "a-tribe").values()
    assert (forum.key, forum.city, forum.postcode) == ("4101", "Morlaix", "29600")
    (day,) = listings(url, "a-openagenda").values()
    assert (day.city, day.local_start.hour) == ("Nantes", 9)
    home = {listing.title: listing for listing in listings(url, "a-home").values()}
    assert home["Distribution de paniers"].organizer == "Épicerie solidaire"


def test_a_site_offering_nothing_fails_the_run_and_says_so(sites):
    url, _, runs = sites
    run = runs["a-nothing"]
    assert run.status == "failed"
    assert any("no agenda, calendar or feed found" in error for error in run.errors)
    report = discovered(url, "a-nothing")
    assert (report["chosen"], report["candidates"]) == (None, [])


@pytest.mark.parametrize("site", PLUGIN_SITES)
def test_plugins_embeds_and_federated_agendas_are_found_by_their_markup(sites, site):
    url, _, runs = sites
    title, how = PLUGIN_SITES[site]
    assert runs[f"a-{site}"].status == "succeeded", runs[f"a-{site}"].errors
    chosen = discovered(url, f"a-{site}")["chosen"]
    assert (chosen["kind"], chosen["how"].startswith(how)) == (ICAL, True)
    assert [listing.title for listing in listings(url, f"a-{site}").values()] == [title]


def test_an_empty_export_the_markup_suggests_gives_way_to_events_on_the_page(sites):
    url, base, runs = sites
    assert runs["a-empty-export"].status == "succeeded", runs["a-empty-export"].errors
    outcomes = [
        (c["kind"], c["url"].removeprefix(base), c["outcome"])
        for c in discovered(url, "a-empty-export")["candidates"]
    ]
    assert outcomes == [(ICAL, "/em-empty/events.ics", "no events"), (JSONLD, "/em-empty/", "chosen")]
    assert [listing.title for listing in listings(url, "a-empty-export").values()] == [
        "Grande braderie d’hiver"
    ]


# -- agendas of cards ---------------------------------------------------------------------------

# The ess-sud site of the prose corpus (tests/fixtures/prose): the homepage's 4 cards, 3 more on
# "Voir tout l'agenda".
ESS_SUD = {
    "Petit-déjeuner des financeurs solidaires": ("2027-02-04T08:30", "2027-02-04T10:30", "13003"),
    "Atelier « Mesurer son impact social »": ("2027-02-18T14:00", "2027-02-18T17:00", "06300"),
    "Journée régionale des tiers-lieux solidaires": ("2027-03-05T09:30", "2027-03-05T17:00", "13003"),
    "Université d'hiver de l'insertion par l'activité économique": ("2027-03-16", "2027-03-18", "84000"),
    "Réunion des adhérents : préparation du Mois de l'ESS 2027": (
        "2027-03-25T09:30",
        "2027-03-25T12:00",
        "13002",
    ),
    "Ciné-débat « Le travail en commun »": ("2027-04-13T18:30", None, "83000"),
    "Fête du printemps de la Recyclerie des Alpes du Sud": ("2027-04-24T10:00", "2027-04-24T18:00", "05000"),
}


def local(listing: Listing) -> tuple[str, str | None]:
    if listing.all_day:
        return listing.start_date.isoformat(), listing.end_date.isoformat()
    end = listing.end.astimezone(PARIS).isoformat()[:16] if listing.end else None
    return listing.start.astimezone(PARIS).isoformat()[:16], end


def test_an_agenda_of_cards_is_read_from_its_event_pages_and_not_its_news(sites):
    url, _, runs = sites
    assert runs["a-cards"].status == "succeeded", runs["a-cards"].errors
    assert chosen_kind(url, "a-cards") == BLOCKS
    found = {listing.title: listing for listing in listings(url, "a-cards").values()}
    assert {title: (*local(found[title]), found[title].postcode) for title in found} == ESS_SUD
    assert all("/agenda/" in listing.url for listing in found.values())  # no news item
    assert found["Atelier « Mesurer son impact social »"].organizer == "DLA des Alpes-Maritimes"


def test_a_portal_agenda_block_beside_news_dated_the_same_way(sites):
    url, _, runs = sites
    assert runs["a-portal"].status == "succeeded", runs["a-portal"].errors
    found = {listing.title: listing for listing in listings(url, "a-portal").values()}
    # Year-less pages are read against the clock: month, day and hours are what is certain.
    got = {
        title: (listing.local_start.strftime("%m-%d %H:%M"), listing.all_day)
        for title, listing in found.items()
    }
    assert got == {
        "Comment valoriser l’agro-écologie avec l’aide d’entreprises partenaires ?": ("11-18 08:30", False),
        "Les 2ème Rencontres de l'Impact Social du Projet VISES": ("11-23 00:00", True),
        "Soirée des partenaires Université de Lille": ("11-30 18:30", False),
    }
    days = found["Les 2ème Rencontres de l'Impact Social du Projet VISES"]
    assert (days.end_date - days.start_date).days == 1 and days.city == "Lille"


# -- the cress-reunion sample -----------------------------------------------------------------


def test_cress_reunion_sample_is_discovered_and_crawled(samples_db):
    data = json.loads(Path(EXPECTED_FILE).read_text(encoding="utf-8"))
    expected = {e["title"]: e for e in data["events"] if "cress-reunion" in e["listed_on"]}
    found = {listing.title: listing for listing in listings(samples_db, "cress-reunion").values()}
    assert sorted(found) == sorted(expected)
    for title, event in expected.items():
        listing, zone = found[title], ZoneInfo(event["timezone"])
        end: str | None
        if event["all_day"]:
            start, end = listing.start_date.isoformat(), listing.end_date.isoformat()
        else:
            start = listing.start.astimezone(zone).isoformat()
            end = listing.end.astimezone(zone).isoformat() if listing.end else None
        assert (start, end, listing.all_day, listing.city, listing.postcode) == (
            event["start"],
            event["end"],
            event["all_day"],
            event["city"],
            event["postcode"],
        ), title
    assert found["Forum ESS & emploi de La Réunion"].start == datetime.fromisoformat(
        "2026-11-28T09:00:00+04:00"
    )
    report = discovered(samples_db, "cress-reunion")
    assert report["chosen"]["kind"] == ICAL
    assert [(c["kind"], c["outcome"]) for c in report["candidates"]] == [
        (TRIBE, "HTTP 404"),
        (ICAL, "chosen"),
        (RSS, "not tried"),
    ]


def test_events_read_after_a_failed_candidate_are_named_with_their_page(tmp_path: Path):
    # The WordPress REST API the page declares cannot be reached (the candidate's errback goes on to
    # the page's own JSON-LD, out of reach of the spider middlewares that name an item's page).
    events = [
        {"@type": "Event", "name": "Comité", "startDate": "2019-9-18T10:00"},
        {"@type": "Event", "name": "Bureau", "startDate": "2019-9-18T10-10-00-00"},
    ]
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "index.html").write_text(
        '<html><head><link rel="https://api.w.org/" href="http://127.0.0.1:1/wp-json/">'
        f'<script type="application/ld+json">{json.dumps(events)}</script></head><body></body></html>'
    )
    with serve_sites(tmp_path) as base:
        (crawled,) = crawl_unstored("auto", [f"{base}/home/"]).values()
    assert crawled["items"] == 1
    assert crawled["rejected"] == [f"{base}/home/: 'Bureau': unreadable date '2019-9-18T10-10-00-00'"]
