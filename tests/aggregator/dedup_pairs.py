"""The labelled dev set (dedup_pairs.yaml) as stored listings, pairwise scores, and the small
factories dedup tests share."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from aggregator.models import Event, Listing, Source

DEV_SET = Path(__file__).with_name("dedup_pairs.yaml")
FIRST_DAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Labelled:
    """One listing of the dev set: its scenario, its event label, its source and its columns."""

    scenario: int
    label: str
    source: str
    columns: dict[str, Any]

    @property
    def truth(self) -> tuple[int, str]:
        return (self.scenario, self.label)


@dataclass
class DevSet:
    sources: dict[str, dict[str, Any]]
    scenarios: list[tuple[str, list[Labelled]]] = field(default_factory=list)

    def listings(self) -> list[Labelled]:
        return [item for _, items in self.scenarios for item in items]

    def pairs(self) -> Iterator[tuple[Labelled, Labelled]]:
        """Every two listings of one scenario."""
        for _, items in self.scenarios:
            yield from itertools.combinations(items, 2)


@dataclass(frozen=True)
class PairScore:
    true_positives: int
    false_positives: int
    false_negatives: int
    pairs: int
    positives: int
    errors: tuple[str, ...]

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 1.0

    def report(self) -> str:
        lines = [
            f"dev set: {self.pairs} labelled pairs ({self.positives} same event, "
            f"{self.pairs - self.positives} different)",
            f"pairwise precision {self.precision:.3f}  recall {self.recall:.3f}  "
            f"(TP {self.true_positives}, FP {self.false_positives}, FN {self.false_negatives})",
            *self.errors,
        ]
        return "\n".join(lines)


def score_pairs(dev: DevSet, cluster_of: Mapping[tuple[int, int], Any]) -> PairScore:
    """Pairwise precision and recall of a clustering, given as listing (scenario, index) → cluster."""
    tp = fp = fn = positives = total = 0
    errors = []
    for a, b in dev.pairs():
        total += 1
        same = a.label == b.label
        predicted = cluster_of[_ref(a)] == cluster_of[_ref(b)]
        positives += same
        if same and predicted:
            tp += 1
        elif predicted:
            fp += 1
            errors.append(f"  wrong merge: {a.columns['title']!r} / {b.columns['title']!r}")
        elif same:
            fn += 1
            errors.append(f"  missed:      {a.columns['title']!r} / {b.columns['title']!r}")
    return PairScore(tp, fp, fn, total, positives, tuple(errors))


def _ref(item: Labelled) -> tuple[int, int]:
    return (item.scenario, item.columns["_index"])


def load_dev_set(shift: timedelta = timedelta(0), spacing: timedelta = timedelta(0)) -> DevSet:
    """The dev set; scenario ``n`` is moved by ``shift + n * spacing`` so scenarios never meet."""
    data = yaml.safe_load(DEV_SET.read_text(encoding="utf-8"))
    regions: dict[str, str] = data["regions"]
    dev = DevSet(sources=data["sources"])
    for number, scenario in enumerate(data["scenarios"]):
        offset = shift + number * spacing
        items = [
            Labelled(
                number,
                entry["e"],
                entry["src"],
                _columns(entry, scenario, index, offset, regions, dev.sources[entry["src"]].get("region")),
            )
            for index, entry in enumerate(scenario["listings"])
        ]
        dev.scenarios.append((scenario["name"], items))
    return dev


def _days(value: Any) -> tuple[date, date]:
    if isinstance(value, date):
        return value, value
    first, last = str(value).split("..")
    return date.fromisoformat(first), date.fromisoformat(last)


def _clock(day: date, text: str, zone: ZoneInfo) -> datetime:
    hours, minutes = map(int, text.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, tzinfo=zone)


def _columns(
    entry: dict[str, Any],
    scenario: dict[str, Any],
    index: int,
    offset: timedelta,
    regions: dict[str, str],
    default_region: str | None,
) -> dict[str, Any]:
    """Listing columns as normalization would give them (a placeless listing takes its source's
    default région)."""
    first, last = _days(entry.get("d", scenario.get("d")))
    first, last = first + offset, last + offset
    zone = ZoneInfo(entry.get("tz", "Europe/Paris"))
    spec = str(entry.get("at", "all"))
    if spec == "all":
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        end = datetime.combine(last, datetime.min.time(), tzinfo=zone) if last != first else None
        all_day = True
    else:
        begin, _, finish = spec.partition("-")
        start = _clock(first, begin, zone)
        end = _clock(first, finish, zone) if finish else None
        all_day = False
    department = entry.get("dep")
    online = bool(entry.get("online"))
    if department is not None and department not in regions:
        raise ValueError(f"dedup_pairs.yaml: no région for département {department!r}")
    region = regions[department] if department else None
    source = entry["src"]
    if not department and not online and not entry.get("city"):
        region = default_region
    raw: dict[str, Any] = {}
    if entry.get("oa"):
        raw["uid"] = int(entry["oa"])
    if entry.get("news"):
        raw["kind"] = "rss"
    description = " ".join(entry.get("links", []))
    return {
        "_index": index,
        "key": entry.get("key") or f"{source}-{index}-{first.isoformat()}",
        "title": entry["t"],
        "description": f"Plus d'informations : {description}" if description else "",
        "start": start,
        "end": end,
        "all_day": all_day,
        "timezone": zone.key,
        "url": entry.get("url"),
        "status": entry.get("status", "confirmed"),
        "online": online,
        "location_name": entry.get("venue"),
        "city": entry.get("city"),
        "postcode": str(entry["pc"]) if entry.get("pc") else None,
        "department": None if online else department,
        "region": None if online else region,
        "lat": entry.get("lat"),
        "lon": entry.get("lon"),
        "organizer": entry.get("org"),
        "categories": [],
        "raw": raw,
        "content_hash": f"{source}-{index}",
    }


def add_sources(session: Session, specs: Mapping[str, Mapping[str, Any]]) -> dict[str, Source]:
    """Source rows for the dev set's sources (or any name → spec mapping)."""
    sources = {}
    for name, spec in specs.items():
        source = Source(
            name=name,
            title=name,
            kind=spec["kind"],
            url=spec.get("url") or f"http://127.0.0.1/{name}",
            region=spec.get("region"),
            options=dict(spec.get("options") or {}),
        )
        session.add(source)
        sources[name] = source
    session.flush()
    return sources


def add_listing(session: Session, source: Source, **columns: Any) -> Listing:
    """A stored listing as a crawl would leave it (defaults for whatever is not given)."""
    now = columns.pop("now", None) or datetime.now(UTC)
    values: dict[str, Any] = {
        "key": f"{source.name}-{len(columns)}-{columns.get('title', '')}",
        "title": "Événement",
        "description": "",
        "timezone": "Europe/Paris",
        "status": "confirmed",
        "online": False,
        "categories": [],
        "raw": {},
        "content_hash": "0",
        "first_seen": now,
        "last_seen": now,
        "changed_at": now,
    }
    values.update({k: v for k, v in columns.items() if not k.startswith("_")})
    listing = Listing(source_id=source.id, **values)
    session.add(listing)
    session.flush()
    return listing


def add_dev_set(session: Session, dev: DevSet) -> dict[tuple[int, int], Listing]:
    """Every listing of the dev set stored, by (scenario, index)."""
    sources = add_sources(session, dev.sources)
    return {
        (item.scenario, item.columns["_index"]): add_listing(session, sources[item.source], **item.columns)
        for item in dev.listings()
    }


def clusters(session: Session) -> set[frozenset[tuple[str, str]]]:
    """Events as sets of (source name, key): what must not depend on how listings came in."""
    found: dict[int | None, set[tuple[str, str]]] = {}
    query = select(Listing.event_id, Source.name, Listing.key).join(Source, Listing.source_id == Source.id)
    for event_id, name, key in session.execute(query):
        found.setdefault(event_id, set()).add((name, key))
    return {frozenset(members) for members in found.values()}


def uids(session: Session) -> dict[tuple[str, str], str]:
    """Each listing's event UID, by (source name, key)."""
    query = (
        select(Source.name, Listing.key, Event.uid)
        .join(Source, Listing.source_id == Source.id)
        .join(Event, Listing.event_id == Event.id)
    )
    return {(name, key): uid for name, key, uid in session.execute(query)}
