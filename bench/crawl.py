"""Crawl benchmark: the full pipeline (spider → normalize → store in SQLite) against a bare
Scrapy spider fetching the same pages and discarding them, in the same run.

Usage: python -m bench.crawl [--events 2000] [--feed-events 5000] [--rounds 5]

Generates in a temporary directory a site of ``--events`` JSON-LD event pages behind paginated
listing pages (50 links each) and an iCalendar feed of ``--feed-events`` events, serves it on
127.0.0.1 from a separate process kept on a core of its own (it stands for a partner's server, whose
CPU is not the crawl's: left free, its thread per request lands on the crawler's core, and the more
processes a crawl runs, the more often) and, for each round, crawls it four ways, each in its own
process with the project's settings (robots.txt, AutoThrottle, 2 requests per domain) and no page
cap:

  bare     a plain scrapy.Spider following the same links, parsing nothing
  parse    the kind's spider with no item pipelines: items built, then discarded
  full     the kind's spider with every pipeline, into a fresh SQLite database (dedup included)
  again    the full crawl once more over the same database: the unchanged site answers 304s

Times are measured around the crawl inside each process (imports excluded). Prints pages/s and
items/s of each mode's best round, the site's ratio full/bare (target ≥ 0.8; a feed is a single
page, so its pages/s only time one download) and full/parse for both (the cost of normalizing,
storing and deduplicating alone).

Each crawl of the site is also cut in three, from the times its responses arrived: the ramp (until
the 20th response: AutoThrottle starts at half a second per request and halves its delay with each
answer, at random between half and one and a half times it, the same in every mode), the steady
pace (per page, from the 20th response to the last) and the tail (from the last response to the
end: writing and deduplicating what the last batch left, closing the run). Their ratio between
modes, steady paces compared, says what a crawl's own work costs, the ramp's luck aside. That luck
is shared within a round: its crawls seed Python's random numbers alike, so they draw the same
delays.

A shared machine's speed drifts by a tenth and more from one minute to the next, so the ratios
come three times: between each mode's best round; as the median of the rounds' own ratios, whose
crawls ran side by side (the spread of those shows how far one figure can be trusted); and as the
median of the quiet rounds alone, those whose crawls lost less than ``QUIET_STEAL`` of their time
to the hypervisor (the CPU time it "stole" from this virtual machine, read from /proc/stat, is
printed with each crawl: one that lost even 0.4 s that way can run a third slower).
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
QUIET_STEAL = 0.02  # stolen CPU seconds per second of crawl
RAMP_RESPONSES = 20


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
    seconds: float
    cpu: float  # the crawl's own CPU time: what the pipelines cost, whatever the throttle did
    ingest_cpu: float  # and its ingest process's (stored crawls): normalizing, storing, dedup
    pages: int
    items: int
    write: float  # of which writing listings (stored crawls)
    dedup: float  # and deduplicating them (after each write, and what the crawl's end left)
    ramp: float  # until the 20th response (0 for a feed)
    pace: float  # then seconds per page until the last one
    tail: float  # and from the last response to the end
    stolen: float = 0.0  # CPU time the hypervisor took from the machine meanwhile

    def __str__(self) -> str:
        counts = f"{self.pages:5d} pages  {self.items:5d} items"
        stolen = f"  stolen {self.stolen:.2f} s" if self.stolen else ""
        parts = (
            f"  ramp {self.ramp:.2f} s, {self.pace * 1000:.2f} ms/page, tail {self.tail:.2f} s"
            if self.pace
            else ""
        )
        if self.mode not in ("full", "again"):
            return f"{self.mode:<5} {self.seconds:7.2f} s (CPU {self.cpu:5.2f} s)  {counts}{parts}{stolen}"
        cpu = f"CPU {self.cpu:5.2f} s + ingest {self.ingest_cpu:4.2f} s"
        steps = f"writes {self.write:.2f} s, dedup {self.dedup:.2f} s"
        return f"{self.mode:<5} {self.seconds:7.2f} s ({cpu})  {counts}  ({steps}){parts}{stolen}"

    @property
    def quiet(self) -> bool:
        return self.stolen <= QUIET_STEAL * self.seconds

    @property
    def pages_per_second(self) -> float:
        return self.pages / self.seconds

    @property
    def items_per_second(self) -> float:
        return self.items / self.seconds

    @property
    def steady_pages_per_second(self) -> float:
        return 1 / self.pace


def crawl(round_: int, mode: str, kind: str, url: str, options: dict[str, Any], database_url: str) -> Measure:
    """One crawl in a child process (``python -m bench.crawl --child``)."""
    job = json.dumps(
        {"mode": mode, "kind": kind, "url": url, "options": options, "database": database_url, "seed": round_}
    )
    env = {"SCRAPY_SETTINGS_MODULE": "spiders.settings", "PYTHONPATH": str(PROJECT_ROOT)}
    stolen_before = stolen_seconds()
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
    return Measure(round_, mode, kind, **result, stolen=stolen_seconds() - stolen_before)


def stolen_seconds() -> float:
    """CPU time the hypervisor has taken from this machine since boot (0 where Linux does not say)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()  # "cpu user nice system idle iowait irq softirq steal …"
        return int(fields[8]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _child(job: dict[str, Any]) -> None:
    """Run one crawl in this process and print its time, pages and items as JSON."""
    import scrapy
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    settings.update(PINNED, priority="cmdline")
    # Every mode imports the same modules before the clock starts: imports are not crawling.
    for module in ("spiders.pipelines", "spiders.middlewares", f"spiders.kinds.{job['kind']}"):
        importlib.import_module(module)
    if job["mode"] in ("bare", "parse"):
        settings.set("ITEM_PIPELINES", {}, priority="cmdline")
        settings.set("ESS_CONDITIONAL_REQUESTS", False, priority="cmdline")
    spider: Any = _bare_spider(scrapy, job) if job["mode"] == "bare" else job["kind"]
    kwargs: dict[str, Any] = {}
    if job["mode"] == "parse":
        kwargs = {"url": job["url"], "options": job["options"]}
    else:  # full, or again: the same crawl over the database the full crawl filled
        source = f"bench-{job['kind']}"
        kwargs = {"source": source, "run": _claim(source, job["database"])}
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(spider)
    arrivals = _Arrivals()
    crawler.signals.connect(arrivals.response_received, signal=signals.response_received)
    process.crawl(crawler, **kwargs)
    random.seed(job["seed"])  # AutoThrottle's jitter: the same draws for every mode of a round
    started, cpu = time.perf_counter(), time.process_time()
    process.start()
    ended = time.perf_counter()
    seconds, cpu = ended - started, time.process_time() - cpu
    assert crawler.stats is not None
    stats = crawler.stats.get_stats()
    pages = stats.get("response_received_count", 0) - stats.get("robotstxt/response_count", 0)
    items = stats.get("item_scraped_count", 0)
    steps = {name: stats.get(f"ess/{name}_seconds", 0.0) for name in ("write", "dedup", "ingest_cpu")}
    times = arrivals.parts(started, ended)
    print(json.dumps({"seconds": seconds, "cpu": cpu, "pages": pages, "items": items, **steps, **times}))


class _Arrivals:
    """When each response of a crawl arrived."""

    def __init__(self) -> None:
        self.times: list[float] = []

    def response_received(self, **_: Any) -> None:
        self.times.append(time.perf_counter())

    def parts(self, started: float, ended: float) -> dict[str, float]:
        """The ramp, the steady pace and the tail (see the module docstring); zeros for a feed."""
        times = self.times
        if len(times) <= 2 * RAMP_RESPONSES:
            return {"ramp": 0.0, "pace": 0.0, "tail": 0.0}
        pace = (times[-1] - times[RAMP_RESPONSES]) / (len(times) - RAMP_RESPONSES - 1)
        return {"ramp": times[RAMP_RESPONSES] - started, "pace": pace, "tail": ended - times[-1]}


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


def _claim(source: str, database_url: str) -> int:
    from aggregator.crawl import CLI, claim_run

    return claim_run(source, CLI, database_url).run_id


def _fresh_database(folder: Path, base: str, name: str) -> str:
    from aggregator.db import dispose_engine, get_engine, get_sessionmaker
    from aggregator.schema import upgrade
    from aggregator.sources import upsert_sources, validate_source

    (folder / name).unlink(missing_ok=True)
    url = f"sqlite:///{folder / name}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        upsert_sources(session, [validate_source(spec) for spec in sources(base)])
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
                            database = _fresh_database(Path(tmp), base, f"{round_}-{spec['kind']}-{mode}.db")
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
            _ratio("full/bare pages/s ", full, bare, rounds, "pages_per_second", "(target ≥ 0.8)")
            _ratio(
                "full/bare steady  ", full, bare, rounds, "steady_pages_per_second", "(ramp and tail aside)"
            )
            _ratio("again/bare pages/s", again, bare, rounds, "pages_per_second", "(unchanged site: 304s)")
        _ratio("full/parse items/s", full, parse, rounds, "items_per_second", "(the pipelines' own cost)")


def _by_round(measures: list[Measure], kind: str) -> list[dict[str, Measure]]:
    rounds: dict[int, dict[str, Measure]] = {}
    for m in measures:
        if m.kind == kind:
            rounds.setdefault(m.round, {})[m.mode] = m
    return [rounds[r] for r in sorted(rounds)]


def _ratio(
    label: str, top: Measure, bottom: Measure, rounds: list[dict[str, Measure]], rate: str, note: str
) -> None:
    """A ratio between best rounds, then the median of the rounds' own ratios (all, then quiet)."""

    def of(round_: dict[str, Measure]) -> float:
        return getattr(round_[top.mode], rate) / getattr(round_[bottom.mode], rate)

    each = sorted(map(of, rounds))
    quiet = [of(r) for r in rounds if r[top.mode].quiet and r[bottom.mode].quiet]
    best = getattr(top, rate) / getattr(bottom, rate)
    medians = f"{statistics.median(each):.2f} median (rounds {each[0]:.2f}–{each[-1]:.2f})"
    if quiet:
        medians += f", {statistics.median(quiet):.2f} median of {len(quiet)} quiet"
    print(f"  {label} {best:.2f} best of each, {medians}  {note}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--feed-events", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(json.loads(args.child))
        return
    report(run(args.events, args.feed_events, args.rounds))


if __name__ == "__main__":
    main()
