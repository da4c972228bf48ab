"""Real responses other scraping projects saved for their tests (../shared/peer: The Events Calendar
REST JSON, iCal exports, JSON-LD and microdata pages of US agencies, one French OpenAgenda export),
crawled over HTTP as an operator would register them, US sources with their own ``timezone``: no
crawl fails or breaks, every event the files hold is stored, times and places are read as the
pages show them, and no US place gets a French département or région."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from aggregator.db import dispose_engine, get_engine
from aggregator.models import CrawlRun, Listing
from aggregator.samples_server import serve_sites
from aggregator.schema import upgrade
from tests.spiders.crawling import crawl, listings

PEER = Path(__file__).resolve().parents[2].parent / "shared" / "peer"
pytestmark = pytest.mark.skipif(
    not (PEER / "sites").is_dir(), reason=f"the peer corpus is not beside the checkout ({PEER})"
)

NEW_YORK, CHICAGO, DETROIT = "America/New_York", "America/Chicago", "America/Detroit"


@dataclass(frozen=True)
class Sample:
    """One event of a site: found by title and start (ISO, in the event's zone)."""

    title: str
    start: str
    city: str | None = None
    country: str | None = None


@dataclass(frozen=True)
class Site:
    name: str
    kind: str
    path: str
    zone: str | None
    events: int  # counted in the saved files
    samples: tuple[Sample, ...]
    missing: str | None = None  # a next page the corpus leaves out (404)
    rejected: int = 0  # events the files hold twice, once unreadable


SITES = [
    Site(
        "pa-development",
        "tribe",
        "/pa-development/wp-json/tribe/events/v1/events",
        NEW_YORK,
        36,
        (Sample("Rescheduled – PEDFA Board Meeting", "2019-03-13T13:00:00-04:00", "Harrisburg", "US"),),
    ),
    Site(
        "atl-beltline",
        "tribe",
        "/atl-beltline/wp-json/tribe/events/v1/events",
        NEW_YORK,
        24,
        (
            # "timezone": "UTC+0" on wall-clock times.
            Sample(
                "Atlanta BeltLine Weekly Run Club – Elsewhere Brewing",
                "2022-08-11T18:15:00-04:00",
                "Atlanta",
                "US",
            ),
            # A venue with a ZIP code and no state nor country.
            Sample("Cut Body Bootcamp", "2022-08-13T11:00:00-04:00", "Atlanta", None),
        ),
        missing="/atl-beltline/wp-json/tribe/events/v1/events/?",
    ),
    Site(
        "atl-fdha",
        "tribe",
        "/atl-fdha/wp-json/tribe/events/v1/events",
        NEW_YORK,
        5,
        (Sample("3Q Regular Full Board Meeting (2022)", "2022-11-15T17:30:00-05:00", "Atlanta", "US"),),
    ),
    Site(
        "atl-arc",
        "tribe",
        "/atl-arc/wp-json/tribe/events/v1/events",
        NEW_YORK,
        10,
        (Sample("Transportation Coordinating Committee", "2022-09-09T09:30:00-04:00", None, "US"),),
        missing="/atl-arc/wp-json/tribe/events/v1/events/?",
    ),
    Site(
        "det-boe",
        "ical",
        "/det-boe/site/handlers/icalfeed.ashx?MIID=14864",
        DETROIT,
        33,
        (Sample("DPSCD Regular Board Meeting (Open)", "2019-04-16T17:30:00-04:00", "Detroit", "US"),),
    ),
    Site(
        "clihtf",
        "ical",
        "/clihtf/events?ical=1&eventDisplay=list",
        CHICAGO,
        30,
        (Sample("Outreach Meeting", "2024-05-09T08:30:00-05:00"),),
    ),
    Site(
        "spps",
        "ical",
        "/spps/calendar/public/basic.ics",
        CHICAGO,
        34,
        (
            Sample("Regular Board of Education Meeting", "2026-02-17T17:30:00-06:00"),
            Sample(
                "Special Meeting for Attorney-Client Privileged Information",
                "2026-03-12T19:15:00-05:00",
                "St Paul",
                "US",
            ),
        ),
    ),
    Site(
        "win-wichita",
        "ical",
        "/win-wichita/events/list?ical=1",
        CHICAGO,
        14,
        (Sample("Executive Board Meeting", "2024-03-08T18:00:00-06:00", "Wichita", "US"),),
    ),
    Site(
        "degc",
        "jsonld",
        "/degc/public-authorities/",
        DETROIT,
        12,
        (
            Sample("EDC Regular Board Meeting", "2022-07-26T09:00:00-04:00"),  # labelled +00:00
            Sample("NDC Regular Meeting", "2022-06-28T08:45:00-04:00"),  # a right offset
        ),
        missing="/degc/events/month/2022-08/",
    ),
    Site(
        "glwa",
        "jsonld",
        "/glwa/events/month/2025-11/",
        DETROIT,
        5,
        (Sample("Operations and Resources", "2025-11-12T11:00:00-05:00"),),  # labelled -04:00
        missing="/glwa/events/month/2025-12/",
    ),
    Site(
        "cook-landbank",
        "jsonld",
        "/cook-landbank/",
        CHICAGO,
        9,  # each twice: microdata ('2019-9-18T10:00') and JSON-LD ('2019-9-18T10-10-00-00')
        (Sample("CCLBA Data & Marketing Committee", "2019-09-18T10:00:00-05:00"),),
        rejected=9,
    ),
    Site(
        "adm-board",
        "jsonld",
        "/adm-board/board-of-directors/",
        NEW_YORK,
        6,
        (Sample("ADM Board of Directors Meeting (MAY 28)", "2024-05-28T16:30:00-04:00"),),  # '+0:00'
    ),
    Site(
        "amats",
        "jsonld",
        "/amats/calendars/technical-advisory-committee-9/",
        NEW_YORK,
        1,
        (Sample("Technical Advisory Committee", "2019-05-09T13:30:00-04:00", "Akron", "US"),),
    ),
    Site(
        "wichita-apc",
        "jsonld",
        "/wichita-apc/calendar?CID=68",
        CHICAGO,
        10,
        (Sample("Advance Plans Committee Meeting", "2024-01-11T10:00:00-06:00"),),  # naive local times
    ),
    Site(
        "wichita-apc-detail",
        "jsonld",
        "/wichita-apc/Calendar?EID=1592",
        CHICAGO,
        1,
        (Sample("Advance Plans Committee Meeting", "2024-06-13T10:00:00-05:00", "Wichita", "US"),),
    ),
    Site(
        "phipa-cpoc",
        "jsonld",
        "/phipa-cpoc/departments/citizens-police-oversight-commission/",
        NEW_YORK,
        3,
        (
            Sample("CPOC March Virtual Town Hall", "2023-03-21T18:00:00-04:00"),
            Sample(
                "CPOC Community Movie Night & Discussion", "2023-03-31T17:30:00-04:00", "Philadelphia", "US"
            ),
        ),
    ),
    Site(
        "rpba-ssa54",
        "jsonld",
        "/rpba/events/details/sheridan-road-ssa-54-commissioners-meeting-7970",
        CHICAGO,
        1,
        # addressRegion 'il', postalCode '60626', no addressCountry.
        (
            Sample(
                "Sheridan Road SSA #54 Commissioners Meeting", "2019-11-14T08:30:00-06:00", "chicago", "US"
            ),
        ),
    ),
    Site(
        "albi",
        "openagenda",
        "/albi/v2/agendas/48353388/events",
        None,
        97,  # 75 events, one listing per timing
        (Sample("La Brocante du samedi", "2023-11-25T07:00:00+01:00", "Albi", "FR"),),
    ),
]
# Pages whose times the markup does not give as the page shows them: checked by day only.
DAY_ONLY = [
    Site("cle-cpc", "jsonld", "/cle-cpc/events/police-discipline-work-group/", NEW_YORK, 1, ()),
    Site("cuya-audit", "jsonld", "/cuya/bc-event-detail/2023/12/14/audit-committee-121423/", NEW_YORK, 1, ()),
    Site("cuya-dcfs", "jsonld", "/cuya/bc-event-detail/2023/06/07/060723dcfsadvisoryboard/", NEW_YORK, 1, ()),
]
ALL = {site.name: site for site in [*SITES, *DAY_ONLY]}


@dataclass
class Crawled:
    base: str
    runs: dict[str, CrawlRun]
    listings: dict[str, list[Listing]]
    stderr: str


@pytest.fixture(scope="module")
def peer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    url = f"sqlite:///{tmp_path_factory.mktemp('peer') / 'db.sqlite3'}"
    upgrade(get_engine(url))
    sources: list[dict[str, Any]] = [
        {
            "name": site.name,
            "kind": site.kind,
            "url": "{base}" + site.path,
            "options": {"timezone": site.zone} if site.zone else {},
        }
        for site in ALL.values()
    ]
    log: list[str] = []
    with serve_sites(PEER / "sites") as base:
        runs = crawl(url, base, sources, log)
    stored = {name: list(listings(url, name).values()) for name in ALL}
    yield Crawled(base, runs, stored, "".join(log))
    dispose_engine(url)


def local(listing: Listing) -> str:
    assert listing.start is not None and listing.timezone is not None
    return listing.start.astimezone(ZoneInfo(listing.timezone)).isoformat()


def test_no_crawl_breaks(peer):
    assert "Traceback" not in peer.stderr
    assert not [name for name, run in peer.runs.items() if "Traceback" in (run.log_tail or "")]


@pytest.mark.parametrize("name", list(ALL))
def test_the_run_holds_only_named_per_event_errors(peer, name):
    site, run = ALL[name], peer.runs[name]
    assert run.status != "failed", run.errors
    errors = [str(error) for error in run.errors if not str(error).startswith("warning: ")]
    rejected = [e for e in errors if e.startswith(f"rejected: {peer.base}/")]
    missing = [e for e in errors if site.missing and e.startswith(f"{peer.base}{site.missing}")]
    assert len(rejected) == site.rejected and not set(errors) - {*rejected, *missing}, errors
    if site.missing:  # a page of the site out of the corpus: the run says which
        assert len(missing) == 1 and missing[0].endswith(": HTTP 404") and run.status == "partial"
    else:
        assert run.status == "succeeded"


@pytest.mark.parametrize("name", list(ALL))
def test_every_event_of_the_files_is_stored(peer, name):
    assert len(peer.listings[name]) == ALL[name].events
    assert peer.runs[name].listings_found == ALL[name].events


@pytest.mark.parametrize("name", [site.name for site in SITES])
def test_titles_times_and_places_read_as_the_pages_show_them(peer, name):
    stored = {(listing.title, local(listing)): listing for listing in peer.listings[name]}
    for sample in ALL[name].samples:
        listing = stored.get((sample.title, sample.start))
        assert listing is not None, (sample, sorted(stored)[:5])
        assert (listing.city, listing.country) == (sample.city, sample.country)


def test_pages_whose_markup_gives_other_hours_keep_their_day_and_place(peer):
    (work_group,) = peer.listings["cle-cpc"]
    assert (work_group.title, local(work_group)[:10]) == ("Police Discipline Work Group", "2024-02-01")
    assert (work_group.location_name, work_group.address) == (
        "CPC Offices",
        "3631 Perkins Ave., Cleveland 4th Fl",
    )
    (audit,) = peer.listings["cuya-audit"]
    assert (audit.title, local(audit)[:10]) == ("Audit Committee - 12/14/23", "2023-12-14")
    (advisory,) = peer.listings["cuya-dcfs"]
    assert (advisory.title, local(advisory)[:10], advisory.online) == (
        "06/07/23 DCFS Advisory Board",
        "2023-06-07",
        True,
    )


@pytest.mark.parametrize("name", [name for name, site in ALL.items() if site.zone])
def test_us_places_get_no_french_department_or_region_and_times_their_zone(peer, name):
    stored = peer.listings[name]
    assert [(row.title, row.department, row.region) for row in stored if row.department or row.region] == []
    assert {listing.timezone for listing in stored} == {ALL[name].zone}
    assert all(listing.country in (None, "US") for listing in stored)
    assert all(not re.fullmatch(r"[A-Z]{2}", listing.city or "") for listing in stored)  # no state code


def test_the_french_export_is_placed_in_france(peer):
    stored = peer.listings["albi"]
    assert {(listing.department, listing.region, listing.country) for listing in stored} == {
        ("81", "Occitanie", "FR")
    }
    assert {listing.timezone for listing in stored} == {"Europe/Paris"}
