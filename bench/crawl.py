"""Crawl benchmark: the full pipeline (spider → normalize → store in SQLite, then the run finished:
dedup and VEVENTs) against a bare Scrapy spider fetching the same pages and discarding them, in the
same run.

Usage: python -m bench.crawl [--events 2000] [--feed-events 5000] [--rounds 3]

Generates in a temporary directory a site of ``--events`` JSON-LD event pages behind paginated
listing pages (50 links each) and an iCalendar feed of ``--feed-events`` events, serves it on
127.0.0.1 from a separate process kept on a core of its own (it stands for a partner's server,
whose CPU is not the crawl's) and, for each round, crawls it four ways, each in its own process
with the project's settings (robots.txt, AutoThrottle, 2 requests per domain) and no page cap:

  bare     a plain scrapy.Spider following the same links, parsing nothing
  parse    the kind's spider with no item pipelines: items built, then discarded
  full     the kind's spider with every pipeline into a fresh SQLite database, then the run
           finished as its launcher does (removals, dedup, VEVENTs)
  again    the full crawl once more over the same database: the unchanged site answers 304s

Times are measured inside each process from the crawl's start (imports and building the crawler,
when the pipelines read the gazetteer, excluded); a round's crawls seed Python's random numbers
alike, so AutoThrottle draws the same delays. Prints pages/s and items/s of each mode's
best round, and the ratios full/bare (target ≥ 0.65) and full/parse (the pipelines' own cost),
between best rounds and as the median of the rounds' own ratios.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SERVER = PROJECT_ROOT / "aggregator" / "samples" / "serve.py"
LINKS_PER_PAGE = 50
FIRST_DAY = date(2026, 12, 1)
CITIES = [
    ("Brest", "29200", "rue de Siam"),
    ("Rennes", "35000", "rue Gambetta"),
    ("Dijon", "21000", "rue Jean XXIII"),
    ("Lille", "59000", "avenue de Bretagne"),
    ("Nontron", "24300", "place Paul Bert"),
    ("Saint-Denis", "97400", "rue de Paris"),
]
# Politeness stays as in production; only the caps a 2,000-page site would reach are lifted.
MODES = ("bare", "parse", "full", "again")
PINNED = {"CLOSESPIDER_PAGECOUNT": "0", "CLOSESPIDER_TIMEOUT": "0", "LOG_LEVEL": "WARNING"}
TARGET = 0.65  # full/bare pages/s


# -- the site ----------------------------------------------------------------------------------


def _event(index: int) -> tuple[str, datetime, str, str, str]:
    rng = random.Random(index)
    city, postcode, street = CITIES[index % len(CITIES)]
    day = FIRST_DAY + timedelta(days=index % 180)
    start = datetime.combine(day, datetime.min.time()).replace(hour=rng.choice((9, 10, 14, 18)))
    title = f"{rng.choice(('Atelier', 'Forum', 'Café', 'Rencontre', 'Visite'))} n°{index} de l'ESS"
    return title, start, city, postcode, f"{1 + index % 90} {street}"


def _event_page(index: int) -> str:
    title, start, city, postcode, street = _event(index)
    data = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": title,
        "startDate": start.isoformat(),
        "endDate": (start + timedelta(hours=2)).isoformat(),
        "description": f"<p>{title} : échanges entre acteurs de l'économie sociale et solidaire.</p>",
        "location": {
            "@type": "Place",
            "name": f"Maison des associations de {city}",
            "address": {
                "@type": "PostalAddress",
                "streetAddress": street,
                "postalCode": postcode,
                "addressLocality": city,
            },
        },
        "organizer": {"@type": "Organization", "name": "Réseau ESS"},
    }
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{title}</title>"
        f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
        f"</head><body><article><h1>{title}</h1><p>{data['description']}</p></article></body></html>"
    )


def _listing_page(page: int, pages: int, events: int) -> str:
    first = (page - 1) * LINKS_PER_PAGE
    items = "".join(
        f'<article class="type-event"><h2 class="entry-title"><a href="/evenement/{i}/">'
        f"{_event(i)[0]}</a></h2></article>"
        for i in range(first, min(first + LINKS_PER_PAGE, events))
    )
    nav = f'<a class="next page-numbers" href="/agenda/page/{page + 1}/">Suivant</a>' if page < pages else ""
    return (
        f'<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"></head><body>{items}{nav}</body></html>'
    )


def _feed(events: int) -> str:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Bench//ESS Agenda//FR",
        "X-WR-TIMEZONE:Europe/Paris",
    ]
    for index in range(events):
        title, start, city, postcode, street = _event(index)
        lines += [
            "BEGIN:VEVENT",
            f"UID:bench-{index}@ess-agenda.example",
            f"DTSTART:{start:%Y%m%dT%H%M%S}",
            f"DTEND:{start + timedelta(hours=2):%Y%m%dT%H%M%S}",
            f"SUMMARY:{title}",
            f"DESCRIPTION:{title} : échanges entre acteurs de l'ESS.",
            f"LOCATION:Maison des associations\\, {street}\\, {postcode} {city}",
            "END:VEVENT",
        ]
    return "\r\n".join([*lines, "END:VCALENDAR", ""])


def generate_site(root: Path, events: int, feed_events: int) -> int:
    """Write the site under ``root``; returns its number of pages (listing and event pages)."""
    pages = -(-events // LINKS_PER_PAGE)
    for page in range(1, pages + 1):
        folder = root / "agenda" if page == 1 else root / "agenda" / "page" / str(page)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "index.html").write_text(_listing_page(page, pages, events), encoding="utf-8")
    for index in range(events):
        folder = root / "evenement" / str(index)
        folder.mkdir(parents=True)
        (folder / "index.html").write_text(_event_page(index), encoding="utf-8")
    (root / "feed.ics").write_text(_feed(feed_events), encoding="utf-8")
    return pages + events


@contextmanager
def serve(root: Path) -> Iterator[str]:
    """The sample server on ``root`` in a child process, on the last core; yields its base URL."""
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), "--port", "0", str(root)], stdout=subprocess.PIPE, text=True
    )
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) > 1:
        os.sched_setaffinity(proc.pid, {cpus[-1]})
    try:
        assert proc.stdout is not None
        yield proc.stdout.readline().split()[-1].rstrip("/")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# -- the crawls --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    round: int
    mode: str
    kind: str
    seconds: float  # the crawl, and for a stored crawl finishing its run
    cpu: float  # the crawl process's own CPU time
    pages: int
    items: int
    write: float  # of which writing listings (stored crawls)
    finish: float  # and finishing the run: removals, dedup, VEVENTs (stored crawls)

    def __str__(self) -> str:
        counts = f"{self.pages:5d} pages  {self.items:5d} items"
        line = f"{self.mode:<5} {self.seconds:7.2f} s (CPU {self.cpu:5.2f} s)  {counts}"
        if self.mode in ("full", "again"):
            line += f"  (writes {self.write:.2f} s, finish {self.finish:.2f} s)"
        return line

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds


def crawl(round_: int, mode: str, kind: str, url: str, options: dict[str, Any], database_url: str) -> Measure:
    """One crawl in a child process (``python -m bench.crawl --child``)."""
    job = json.dumps(
        {"mode": mode, "kind": kind, "url": url, "options": options, "database": database_url, "seed": round_}
    )
    env = {"SCRAPY_SETTINGS_MODULE": "spiders.settings", "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run(
        [sys.executable, "-m", "bench.crawl", "--child", job],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env, "ESS_AGENDA_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{mode} crawl of {kind} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return Measure(round_, mode, kind, **result)


def _child(job: dict[str, Any]) -> None:
    """Run one crawl in this process and print its time, pages and items as JSON."""
    import scrapy
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from aggregator.crawl import CLI, claim_run, close_run
    from aggregator.executors import Outcome

    settings = get_project_settings()
    settings.update(PINNED, priority="cmdline")
    # Every mode imports the same modules before the clock starts: imports are not crawling.
    for module in ("spiders.pipelines", "spiders.middlewares", f"spiders.kinds.{job['kind']}"):
        importlib.import_module(module)
    if job["mode"] in ("bare", "parse"):
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        settings.set("ESS_CONDITIONAL_REQUESTS", False, priority="cmdline")
    spider: Any = _bare_spider(scrapy, job) if job["mode"] == "bare" else job["kind"]
    claimed = None
    kwargs: dict[str, Any] = {"url": job["url"], "options": job["options"]}
    if job["mode"] in ("full", "again"):  # again: the same crawl over the database full filled
        claimed = claim_run(f"bench-{job['kind']}", CLI, job["database"])
        kwargs = claimed.spider_arguments()
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    process.crawl(crawler, **kwargs)
    random.seed(job["seed"])  # AutoThrottle's jitter: the same draws for every mode of a round
    started, cpu = time.perf_counter(), time.process_time()
    process.start()
    crawled = time.perf_counter()
    if claimed is not None:
        close_run(claimed, Outcome())
    ended = time.perf_counter()
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
    print(
        json.dumps(
            {
                "seconds": ended - started,
                "cpu": time.process_time() - cpu,
                "pages": pages,
                "items": stats.get("item_scraped_count", 0),
                "write": stats.get("ess/write_seconds", 0.0),
                "finish": ended - crawled,
            }
        )
    )


def _bare_spider(scrapy: Any, job: dict[str, Any]) -> type:
    """A spider that follows the site's links (or fetches the feed) and keeps nothing."""

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self) -> Any:
            yield scrapy.Request(job["url"])

        def parse(self, response: Any) -> Any:
            if job["kind"] != "jsonld" or "/evenement/" in response.url:
                return
            for css in (job["options"]["follow"], job["options"]["next"]):
                for href in response.css(css).getall():
                    yield response.follow(href, self.parse)

    return BareSpider


def fresh_database(folder: Path, name: str, specs: list[dict[str, Any]]) -> str:
    """A new SQLite database ``folder/name`` holding the sources ``specs``; its URL."""
    from aggregator.db import dispose_engine, get_engine, get_sessionmaker
    from aggregator.schema import upgrade
    from aggregator.sources import upsert_sources, validate_source

    (folder / name).unlink(missing_ok=True)
    url = f"sqlite:///{folder / name}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        upsert_sources(session, [validate_source(spec) for spec in specs])
    dispose_engine(url)
    return url


def sources(base: str) -> list[dict[str, Any]]:
    follow = {
        "follow": "article.type-event h2.entry-title a::attr(href)",
        "next": "a.next.page-numbers::attr(href)",
    }
    return [
        {"name": "bench-jsonld", "kind": "jsonld", "url": f"{base}/agenda/", "options": follow},
        {"name": "bench-ical", "kind": "ical", "url": f"{base}/feed.ics", "options": {}},
    ]


def run(events: int, feed_events: int, rounds: int) -> list[Measure]:
    with tempfile.TemporaryDirectory(prefix="ess-bench-") as tmp:
        root = Path(tmp) / "site"
        pages = generate_site(root, events, feed_events)
        print(f"site: {pages} pages ({events} JSON-LD events) and a feed of {feed_events} events", flush=True)
        measures: list[Measure] = []
        with serve(root) as base:
            for round_ in range(rounds):
                for spec in sources(base):
                    for mode in MODES:
                        if mode != "again":  # a re-crawl reuses the full crawl's database
                            database = fresh_database(
                                Path(tmp), f"{round_}-{spec['kind']}-{mode}.db", sources(base)
                            )
                        measure = crawl(round_, mode, spec["kind"], spec["url"], spec["options"], database)
                        print(f"  round {round_ + 1} {spec['kind']:<6} {measure}", flush=True)
                        measures.append(measure)
        return measures


def report(measures: list[Measure]) -> None:
    best = {
        (m.kind, m.mode): m
        for m in sorted(measures, key=lambda m: m.seconds, reverse=True)  # the fastest wins
    }
    for kind in ("jsonld", "ical"):
        bare, parse, full, again = (best[(kind, mode)] for mode in MODES)
        print(f"\n{kind}: best of each")
        for m in (bare, parse, full, again):
            rates = f"{m.pages_per_second:8.1f} pages/s  {m.items_per_second:8.1f} items/s"
            print(f"  {m.mode:<5} {rates}  ({m.seconds:.2f} s)")
        rounds = _by_round(measures, kind)
        if kind == "jsonld":  # a feed is one page: its pages/s only time the download
            ratio(
                "full/bare pages/s ",
                full,
                bare,
                _pairs(rounds, "full", "bare"),
                "pages_per_second",
                f"(target ≥ {TARGET})",
            )
            ratio(
                "again/bare pages/s",
                again,
                bare,
                _pairs(rounds, "again", "bare"),
                "pages_per_second",
                "(unchanged site: 304s)",
            )
        ratio(
            "full/parse items/s",
            full,
            parse,
            _pairs(rounds, "full", "parse"),
            "items_per_second",
            "(the pipelines' own cost)",
        )


def _by_round(measures: list[Measure], kind: str) -> list[dict[str, Measure]]:
    rounds: dict[int, dict[str, Measure]] = {}
    for m in measures:
        if m.kind == kind:
            rounds.setdefault(m.round, {})[m.mode] = m
    return [rounds[r] for r in sorted(rounds)]


def _pairs(rounds: list[dict[str, Measure]], top: str, bottom: str) -> list[tuple[Measure, Measure]]:
    return [(r[top], r[bottom]) for r in rounds]


def ratio(
    label: str, top: Measure, bottom: Measure, pairs: list[tuple[Measure, Measure]], rate: str, note: str
) -> None:
    """A ratio between best rounds, then the median of the rounds' own ratios (``pairs``: top, bottom)."""
    each = sorted(getattr(t, rate) / getattr(b, rate) for t, b in pairs)
    best = getattr(top, rate) / getattr(bottom, rate)
    median = f"{statistics.median(each):.2f} median (rounds {each[0]:.2f}–{each[-1]:.2f})"
    print(f"  {label} {best:.2f} best of each, {median}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--feed-events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    report(run(args.events, args.feed_events, args.rounds))


if __name__ == "__main__":
    main()
