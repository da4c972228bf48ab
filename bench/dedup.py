"""Benchmark deduplication on synthetic listings whose true events are known.

Usage: python -m bench.dedup [--sizes 10000 100000] [--postgres-url URL] [--no-sqlite] [--place 40]
       python -m bench.dedup --crawl [--base 100000] [--days 30] [--alike 12000] [--crawled 6000]

For each database (SQLite, and PostgreSQL when reachable) and each size: the time of a full rebuild,
then the ratio of the largest size's rebuild to the smallest's (the baseline measured in the same run;
target ≤ 15 for 10× the listings, i.e. not quadratic), the median time to place one new listing at
the largest size (target < 20 ms), and pairwise precision and recall against the known events
(targets 0.98 and 0.95). The labelled dev set's precision and recall are printed too.

With ``--crawl``: one crawl's deduplication when a day is crowded. ``--base`` listings over
``--days`` days, ``--alike`` of them on one day in one département (from the agendas), are placed
first; then one organizer's crawl of ``--crawled`` more on that day and in that département is
deduplicated, timed against the same crawl into an empty database (the baseline, same run; with no
block filed yet, that dedup files and clusters the crawl whole): the ratio of the times per new
listing stays small when blocks stay small whatever the day's volume (target ≤ 3). Each run also
prints its largest filed (day, area) block and how many listings each lookup compared (mean, p95,
largest): the blocks actually compared, which stay small however large the filed block grows.

The synthetic agenda: a year of events over every département (the big cities' busier), each
announced by its organizer and, often, by the national or a regional OpenAgenda (some sharing the
same OpenAgenda uid) or a news post; reworded titles, typos, shifted times, all-day news posts,
listings naming only their région; weekly series with one title, look-alikes at the same venue and
time by another host, and the same host's next session, as near misses; a few online events.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import create_engine, func, insert, select
from sqlalchemy.orm import Session

from aggregator.db import ROWS_PER_STATEMENT, chunks, connection_problem, get_engine
from aggregator.dedup import deduplicate, rebuild
from aggregator.dedup.blocking import BlockIndex, BlockLookup
from aggregator.dedup.profile import Profile
from aggregator.models import DedupBlock, Listing, Source
from aggregator.schema import upgrade
from bench.databases import POSTGRES_URL, fresh_database

PARIS = ZoneInfo("Europe/Paris")
TARGET_RATIO = 15.0
TARGET_PLACE_MS = 20.0
TARGET_CROWDED_RATIO = 3.0


def _words(text: str) -> list[str]:
    return text.split()


REGIONS = {
    "Auvergne-Rhône-Alpes": _words("01 03 07 15 26 38 42 43 63 69 73 74"),
    "Bourgogne-Franche-Comté": _words("21 25 39 58 70 71 89 90"),
    "Bretagne": _words("22 29 35 56"),
    "Centre-Val de Loire": _words("18 28 36 37 41 45"),
    "Corse": _words("2A 2B"),
    "Grand Est": _words("08 10 51 52 54 55 57 67 68 88"),
    "Hauts-de-France": _words("02 59 60 62 80"),
    "Île-de-France": _words("75 77 78 91 92 93 94 95"),
    "Normandie": _words("14 27 50 61 76"),
    "Nouvelle-Aquitaine": _words("16 17 19 23 24 33 40 47 64 79 86 87"),
    "Occitanie": _words("09 11 12 30 31 32 34 46 48 65 66 81 82"),
    "Pays de la Loire": _words("44 49 53 72 85"),
    "Provence-Alpes-Côte d'Azur": _words("04 05 06 13 83 84"),
    "Guadeloupe": ["971"],
    "Martinique": ["972"],
    "Guyane": ["973"],
    "La Réunion": ["974"],
    "Mayotte": ["976"],
}
# Départements of the big cities hold more events.
BUSY = frozenset(_words("75 69 13 59 33 31 44 35 34 67 06 38 92 93"))
KINDS = [
    "Atelier",
    "Forum",
    "Rencontre",
    "Conférence",
    "Soirée",
    "Visite",
    "Formation",
    "Café",
    "Table ronde",
]


TOPICS = _words(
    "compostage réemploi vélo couture habitat mobilité finance emploi numérique alimentation coopérative "
    "insertion jardin recyclerie épicerie mécénat bénévolat gouvernance comptabilité commande publique "
    "tiers-lieux énergie logement santé culture tourisme agriculture circuits courts monnaie locale "
    "handicap jeunesse égalité climat biodiversité eau déchets réparation textile bois musique cinéma "
    "lecture numérique-responsable intelligence-artificielle seniors crèche mutuelle assurance fondation "
    "philanthropie innovation-sociale impact évaluation recrutement formation-continue apprentissage"
)
SYLLABLES = _words("ka lo mi ra tu ne pi so ve da ri mo lu fe ta zi no be gu sa")
SLOTS = [(9, 0), (9, 30), (10, 0), (14, 0), (14, 30), (17, 30), (18, 0), (18, 30), (20, 0)]


@dataclass
class Agenda:
    """Sources and listings (as column dicts with their true event label)."""

    sources: list[dict[str, Any]] = field(default_factory=list)
    listings: list[dict[str, Any]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)


class Generator:
    """A seeded synthetic agenda."""

    def __init__(self, seed: int = 7, days: int = 365) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.start = datetime.now(PARIS).replace(hour=0, minute=0, second=0, microsecond=0)
        self.departments = [
            (d, region) for region, ds in REGIONS.items() for d in ds for _ in range(1 + 3 * (d in BUSY))
        ]
        self.organizers = [f"org-{n}" for n in range(30)]
        self.names: set[str] = set()
        self.next_label = 0
        self.next_key = 0

    def sources(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]]
        kinds = ["ical", "tribe", "jsonld", "html"]
        rows = [
            {"name": name, "kind": kinds[n % 4], "region": self._region(n)}
            for n, name in enumerate(self.organizers)
        ]
        rows += [{"name": f"news-{n}", "kind": "rss", "region": region} for n, region in enumerate(REGIONS)]
        rows += [
            {"name": f"oa-{n}", "kind": "openagenda", "region": region, "options": {"role": "regional"}}
            for n, region in enumerate(REGIONS)
        ]
        rows.append({"name": "mois-ess", "kind": "openagenda", "region": None})
        return rows

    def _region(self, n: int) -> str:
        return list(REGIONS)[n % len(REGIONS)]

    def name(self) -> str:
        """A host's name never given before ("La Kalomi", "Les Tunepi")."""
        while True:
            word = "".join(self.rng.choice(SYLLABLES) for _ in range(self.rng.randint(2, 4))).capitalize()
            candidate = f"{self.rng.choice(['La', 'Le', 'Les', 'L’'])} {word}".replace("L’ ", "L’")
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate

    def agenda(self, size: int) -> Agenda:
        """About ``size`` listings."""
        agenda = Agenda(self.sources())
        while len(agenda.listings) < size:
            for columns, label in self.occurrences():
                agenda.listings.append(columns)
                agenda.labels.append(label)
        return agenda

    def occurrences(self) -> Iterator[tuple[dict[str, Any], int]]:
        """One event and its listings; sometimes near misses around it: a weekly series with one
        title, a look-alike at the same venue the same day, the same organizer's other session."""
        base = self._event()
        roll = self.rng.random()
        if roll < 0.08:
            for week in range(4):
                yield from self.listings({**base, "start": base["start"] + timedelta(days=7 * week)})
            return
        yield from self.listings(base)
        if roll < 0.12:  # same kind, same topic, same venue and time, another host
            yield from self.listings({**base, "name": self.name(), "venue": base["venue"]})
        elif roll < 0.16:  # the same host's other session half an hour later
            later = base["start"] + timedelta(minutes=30)
            yield from self.listings(
                {**base, "kind": self.rng.choice(KINDS), "topic": self.rng.choice(TOPICS), "start": later}
            )

    def _event(self) -> dict[str, Any]:
        department, region = self.rng.choice(self.departments)
        hour, minute = self.rng.choice(SLOTS)
        day = self.start + timedelta(days=self.rng.randrange(self.days))
        return {
            "kind": self.rng.choice(KINDS),
            "topic": self.rng.choice(TOPICS),
            "name": self.name(),
            "department": department,
            "region": region,
            "city": f"Ville {department}-{self.rng.randrange(8)}",
            "start": day.replace(hour=hour, minute=minute),
            "online": self.rng.random() < 0.03,
            "organizer": self.rng.choice(self.organizers),
            "venue": f"Salle {self.rng.choice(SYLLABLES).capitalize()}{self.rng.randrange(10**6)}",
        }

    def listings(self, event: dict[str, Any]) -> Iterator[tuple[dict[str, Any], int]]:
        """The organizer's listing, and maybe the national and a regional agenda's and a news post."""
        label = self.next_label
        self.next_label += 1
        rng = self.rng
        kind, topic, name = event["kind"], event["topic"].replace("-", " "), event["name"]
        region_n = list(REGIONS).index(event["region"])
        oa_uid = rng.randrange(10**8)
        title = rng.choice([f"{kind} {topic} avec {name}", f"{name} : {kind.lower()} {topic}"])
        yield self._row(event, event["organizer"], title), label
        if rng.random() < 0.35:
            titles = [f"{name} : {kind.lower()} {topic}", f"{topic.capitalize()} – {name}", f"{kind} {topic}"]
            title = self._typo(rng.choice(titles))
            yield self._row(event, "mois-ess", title, shift=True, uid=oa_uid, vague=rng.random() < 0.1), label
        if rng.random() < 0.2:
            title = f"Mois de l'ESS : {kind.lower()} {topic} ({name})"
            uid = oa_uid if rng.random() < 0.5 else None
            yield self._row(event, f"oa-{region_n}", title, uid=uid), label
        if rng.random() < 0.15 and not event["online"]:
            when = event["start"].strftime("%d/%m")
            title = f"{name} : {kind.lower()} {topic}, rendez-vous le {when} à {event['city']}"
            yield self._row(event, f"news-{region_n}", title, all_day=True, vague=rng.random() < 0.3), label

    def _typo(self, title: str) -> str:
        """One letter dropped from a long word, now and then."""
        if self.rng.random() >= 0.1:
            return title
        words = title.split()
        long = [n for n, w in enumerate(words) if len(w) > 6]
        if long:
            n = self.rng.choice(long)
            cut = self.rng.randrange(1, len(words[n]) - 1)
            words[n] = words[n][:cut] + words[n][cut + 1 :]
        return " ".join(words)

    def _row(
        self,
        event: dict[str, Any],
        source: str,
        title: str,
        shift: bool = False,
        all_day: bool = False,
        uid: int | None = None,
        vague: bool = False,
    ) -> dict[str, Any]:
        """A listing's columns; a ``vague`` one names its région only."""
        self.next_key += 1
        start = event["start"]
        if shift and self.rng.random() < 0.2:
            start += timedelta(minutes=self.rng.choice([-30, 30]))
        if all_day:
            start = start.replace(hour=0, minute=0)
        online = event["online"]
        placed = not online and not vague
        return {
            "_source": source,
            "key": f"https://{source}.example/e/{self.next_key}"
            if source.startswith("news")
            else str(self.next_key),
            "title": title,
            "start": start,
            "end": None if all_day else start + timedelta(hours=2),
            "all_day": all_day,
            "online": online,
            "city": event["city"] if placed else None,
            "department": event["department"] if placed else None,
            "region": None if online else event["region"],
            "location_name": event["venue"] if placed else None,
            "raw": {"uid": uid} if uid is not None else {},
        }


def store(session: Session, agenda: Agenda) -> dict[str, int]:
    """Write the agenda's sources and listings in bulk; returns source ids by name."""
    session.execute(
        insert(Source),
        [
            {"title": s["name"], "url": "http://127.0.0.1/", "options": s.get("options") or {}, **s}
            for s in agenda.sources
        ],
    )
    ids = {name: id_ for name, id_ in session.execute(select(Source.name, Source.id))}
    now = datetime.now(UTC)
    rows = [_listing_row(columns, ids, now) for columns in agenda.listings]
    for chunk in chunks(rows, ROWS_PER_STATEMENT):
        session.execute(insert(Listing), chunk)
    session.commit()
    return ids


def _listing_row(columns: dict[str, Any], ids: dict[str, int], now: datetime) -> dict[str, Any]:
    row = {k: v for k, v in columns.items() if not k.startswith("_")}
    row.update(
        source_id=ids[columns["_source"]],
        description="",
        timezone="Europe/Paris",
        status="confirmed",
        categories=[],
        content_hash="0",
        first_seen=now,
        last_seen=now,
        changed_at=now,
        removed=False,
        missed_crawls=0,
    )
    return row


def pair_scores(labels: Sequence[int], predicted: Sequence[int | None]) -> tuple[float, float]:
    """Pairwise precision and recall of a clustering against the true labels."""

    def pairs(counts: Counter[Any]) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    both = pairs(Counter(zip(labels, predicted, strict=True)))
    found = pairs(Counter(predicted))
    true = pairs(Counter(labels))
    return (both / found if found else 1.0), (both / true if true else 1.0)


@dataclass
class Figures:
    size: int
    rebuild_seconds: float
    rebuild_cpu: float  # this process's CPU time (the whole work on SQLite; PostgreSQL's is apart)
    precision: float
    recall: float
    placement: Placement | None = None


def measure(url: str, size: int, place: int, seed: int = 7) -> Figures:
    """Rebuild ``size`` listings on a fresh database at ``url``; place ``place`` new ones after."""
    generator = Generator(seed)
    agenda = generator.agenda(size)
    engine = get_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        source_ids = store(session, agenda)
        began, began_cpu = time.perf_counter(), time.process_time()
        rebuild(session)
        session.commit()
        seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        order = list(session.scalars(select(Listing.event_id).order_by(Listing.id)))
    precision, recall = pair_scores(agenda.labels, order)
    figures = Figures(len(agenda.listings), seconds, cpu, precision, recall)
    if place:
        figures.placement = _place(engine, generator, source_ids, place)
    return figures


def _place(engine: Any, generator: Generator, source_ids: dict[str, int], count: int) -> Placement:
    """Median milliseconds to deduplicate one newly stored listing (and commit), each in a fresh
    session as a crawl's would be."""
    totals, commits, cpu = [], [], []
    now = datetime.now(UTC)
    fresh = [columns for columns, _ in _take(generator, count)]
    for columns in fresh:
        with Session(engine) as session:
            listing_id = session.execute(
                insert(Listing).returning(Listing.id), [_listing_row(columns, source_ids, now)]
            ).scalar_one()
            session.commit()
        with Session(engine) as session:
            began, began_cpu = time.perf_counter(), time.process_time()
            deduplicate(session, [listing_id])
            deduped = time.perf_counter()
            session.commit()
            ended = time.perf_counter()
            totals.append((ended - began) * 1000)
            commits.append((ended - deduped) * 1000)
            cpu.append((time.process_time() - began_cpu) * 1000)
    return Placement(statistics.median(totals), statistics.median(commits), statistics.median(cpu))


@dataclass(frozen=True)
class Placement:
    """Median milliseconds: the whole placement, its commit, and this process's CPU time."""

    total: float
    commit: float
    cpu: float

    def __str__(self) -> str:
        return f"{self.total:.1f} ms (of which commit {self.commit:.1f} ms; CPU here {self.cpu:.1f} ms)"


def _take(generator: Generator, count: int) -> list[tuple[dict[str, Any], int]]:
    found: list[tuple[dict[str, Any], int]] = []
    while len(found) < count:
        found += list(generator.occurrences())
    return found[:count]


def run_backend(name: str, postgres_url: str, sizes: Sequence[int], place: int) -> list[Figures]:
    results = []
    for size in sizes:
        with fresh_database(name, postgres_url) as url:
            figures = measure(url, size, place if size == max(sizes) else 0)
        results.append(figures)
        placed = f", place one: {figures.placement}" if figures.placement is not None else ""
        print(
            f"{name:<10} {figures.size:>7} listings: rebuild {figures.rebuild_seconds:7.2f} s "
            f"(CPU here {figures.rebuild_cpu:.2f} s), "
            f"precision {figures.precision:.3f}, recall {figures.recall:.3f}{placed}",
            flush=True,
        )
    return results


def report(name: str, results: Sequence[Figures]) -> bool:
    baseline, largest = results[0], results[-1]
    ratio = largest.rebuild_seconds / baseline.rebuild_seconds
    cpu_ratio = largest.rebuild_cpu / baseline.rebuild_cpu
    scale = largest.size / baseline.size
    target = TARGET_RATIO * scale / 10
    ok = ratio <= target
    print(
        f"{name:<10} rebuild ratio {largest.size}/{baseline.size}: {ratio:.1f} "
        f"(CPU here: {cpu_ratio:.1f}; target ≤ {target:.0f})"
    )
    if largest.placement is not None:
        ok &= largest.placement.total < TARGET_PLACE_MS
        place = f"{largest.placement} (target < {TARGET_PLACE_MS:.0f})"
        print(f"{name:<10} median time to place one listing at {largest.size}: {place}")
    worst = min(results, key=lambda f: f.precision + f.recall)
    ok &= worst.precision >= 0.98 and worst.recall >= 0.95
    return ok


def crowded(generator: Generator, count: int, source: str | None) -> list[dict[str, Any]]:
    """``count`` listings on the generator's first day in Paris (75); all of ``source`` when given
    (one organizer's crawl), else as the agendas announce them."""
    rows: list[dict[str, Any]] = []
    while len(rows) < count:
        for columns, _ in generator.occurrences():
            if source is None and columns["_source"] in generator.organizers:
                continue
            day = generator.start.replace(hour=columns["start"].hour, minute=columns["start"].minute)
            rows.append(
                {
                    **columns,
                    "_source": source or columns["_source"],
                    "key": f"{source or columns['_source']}-{len(rows)}",
                    "start": day,
                    "end": None if columns["all_day"] else day + timedelta(hours=2),
                    "department": "75",
                    "region": "Île-de-France",
                    "city": "Paris",
                    "online": False,
                }
            )
    return rows[:count]


@dataclass
class Crawl:
    """One crawl's dedup: seconds and this process's CPU seconds, events made, the listings of the
    largest (day, area) block, and how many listings each lookup of the run compared with."""

    seconds: float
    cpu: float
    created: int
    largest_filed: int
    compared: list[int]

    def blocks(self) -> str:
        if not self.compared:
            return "no lookup"
        sizes = sorted(self.compared)
        mean, p95 = statistics.mean(sizes), sizes[int(0.95 * (len(sizes) - 1))]
        return (
            f"largest block filed {self.largest_filed} listings; {len(sizes)} lookups compared "
            f"mean {mean:.1f}, p95 {p95}, largest {sizes[-1]}"
        )


@contextmanager
def recording_lookups(sizes: list[int]) -> Iterator[None]:
    """Note how many listings each block lookup hands over for comparison."""
    originals = {kind: kind.candidates for kind in (BlockLookup, BlockIndex)}

    def recording(original: Callable[[Any, Profile], set[int]]) -> Callable[[Any, Profile], set[int]]:
        def candidates(self: Any, profile: Profile) -> set[int]:
            found = original(self, profile)
            sizes.append(len(found - {profile.id}))
            return found

        return candidates

    for kind, original in originals.items():
        kind.candidates = recording(original)  # type: ignore[method-assign, assignment]
    try:
        yield
    finally:
        for kind, original in originals.items():
            kind.candidates = original  # type: ignore[method-assign]


def crawl_into(url: str, base: int, days: int, alike: int, crawled: int) -> Crawl:
    """One crawl of ``crawled`` crowded listings deduplicated into a database holding ``base``
    listings (``alike`` of them crowded on the same day and place)."""
    generator = Generator(7, days)
    agenda = generator.agenda(base - alike)
    agenda.listings += crowded(generator, alike, None)
    crawl = crowded(generator, crawled, generator.organizers[0])
    engine = get_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        ids = store(session, agenda)
        if agenda.listings:
            rebuild(session)
        session.commit()
        now = datetime.now(UTC)
        rows = [_listing_row(columns, ids, now) for columns in crawl]
        new: list[int] = []
        for chunk in chunks(rows, ROWS_PER_STATEMENT):
            new += session.execute(insert(Listing).returning(Listing.id), chunk).scalars().all()
        session.commit()
        compared: list[int] = []
        with recording_lookups(compared):
            began, began_cpu = time.perf_counter(), time.process_time()
            stats = deduplicate(session, new)
            session.commit()
            seconds, cpu = time.perf_counter() - began, time.process_time() - began_cpu
        filed = (
            select(func.count().label("n")).select_from(DedupBlock).group_by(DedupBlock.day, DedupBlock.area)
        )
        largest = session.scalar(select(func.max(filed.subquery().c.n))) or 0
        return Crawl(seconds, cpu, stats.created, largest, compared)


def crawl_report(name: str, postgres_url: str, base: int, days: int, alike: int, crawled: int) -> bool:
    runs = {}
    for label, (size, crowd) in {"empty": (0, 0), "crowded": (base, alike)}.items():
        with fresh_database(name, postgres_url) as url:
            run = runs[label] = crawl_into(url, size, days, crowd, crawled)
        print(
            f"{name:<10} a crawl of {crawled} listings on one day into {size} listings "
            f"({crowd} alike): dedup {run.seconds:.2f} s (CPU here {run.cpu:.2f} s), "
            f"{1000 * run.seconds / crawled:.2f} ms per new listing, {run.created} events created; "
            f"{run.blocks()}",
            flush=True,
        )
    empty, full = runs["empty"], runs["crowded"]
    ratio, cpu_ratio = full.seconds / empty.seconds, full.cpu / empty.cpu
    target = f"target ≤ {TARGET_CROWDED_RATIO:g}"
    print(
        f"{name:<10} time per new listing, crowded/empty: {ratio:.2f} (CPU here {cpu_ratio:.2f}; {target})",
        flush=True,
    )
    return ratio <= TARGET_CROWDED_RATIO


def dev_set_report() -> str:
    from tests.aggregator.dedup_pairs import add_dev_set, load_dev_set, score_pairs

    dev = load_dev_set(spacing=timedelta(days=84))
    engine = create_engine("sqlite://")
    from aggregator.models import Base

    Base.metadata.create_all(engine)
    with Session(engine) as session:
        stored = add_dev_set(session, dev)
        deduplicate(session, [listing.id for listing in stored.values()])
        return score_pairs(dev, {ref: listing.event_id for ref, listing in stored.items()}).report()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--place", type=int, default=40, help="new listings placed at the largest size")
    parser.add_argument("--crawl", action="store_true", help="one crawl into a crowded day instead")
    parser.add_argument("--base", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--alike", type=int, default=12_000)
    parser.add_argument("--crawled", type=int, default=6_000)
    args = parser.parse_args(argv)
    sizes = sorted(args.sizes)
    print(f"dev set: {dev_set_report().splitlines()[1].strip()}", flush=True)
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    ok = True
    backends = [] if args.no_sqlite else ["sqlite"]
    if not args.no_postgres and connection_problem(args.postgres_url) is None:
        backends.append("postgresql")
    for name in backends:
        if args.crawl:
            ok &= crawl_report(name, args.postgres_url, args.base, args.days, args.alike, args.crawled)
        else:
            ok &= report(name, run_backend(name, args.postgres_url, sizes, args.place))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
