"""Benchmark the map, as ratios against the agenda's own views measured in the same run.

Usage: python -m bench.map [--events 100000] [--kind sqlite|postgresql] [--postgres-url URL]

With 100,000 events (three years of history, the next six months announced: about 10,000 upcoming),
for the agenda's 15 filtered URLs (bench.web's):

1. ``/carte`` against ``/`` (the list page, same filters): median and p95 latency per phase (a URL's
   first view ever, its first view after a data change, its views while nothing changes).
2. ``/api/events.geojson`` against ``/api/events`` (the JSON API's first page, same filters).
3. The GeoJSON of one région (Bretagne): features, bytes, gzip bytes.
"""

from __future__ import annotations

import argparse
import gzip
import time
from collections.abc import Sequence
from urllib.parse import quote

from aggregator.clock import pin as pin_clock
from bench.databases import POSTGRES_URL, fresh_database
from bench.web import AGENDA_SPREAD, AGENDA_URLS, PHASES, TODAY, _bump, _timed, make_app, populate, summary

# The same selections as bench.web's agenda URLs, for each pair of routes compared.
PAIRS = {
    "map page": ("/carte", "/"),
    "GeoJSON": ("/api/events.geojson", "/api/events"),
}
REGION = "Bretagne"


def urls(route: str) -> list[str]:
    """bench.web's agenda URLs on another route (``page`` means nothing to the map's: ignored)."""
    return [route + path[1:] if path != "/" else route for path in AGENDA_URLS]


def bench(kind: str, count: int, postgres_url: str, rounds: int = 3, repeats: int = 10) -> dict[str, object]:
    from web.cache import app_cache

    with fresh_database(kind, postgres_url) as url:
        populate(url, count, AGENDA_SPREAD)
        app = make_app(url)
        client = app.test_client()
        routes = {route: urls(route) for pair in PAIRS.values() for route in pair}
        for paths in routes.values():  # the engine's pool and the templates, not the caches
            for path in paths:
                _timed(client, path)
        times: dict[str, dict[str, list[float]]] = {
            route: {phase: [] for phase in PHASES} for route in routes
        }
        for route, paths in routes.items():  # each route from cold caches, as bench.web's agenda
            for _ in range(rounds):
                with app.app_context():
                    app_cache().clear()
                times[route]["first view"] += [_timed(client, path) for path in paths]
                for _ in range(repeats):
                    times[route]["steady"] += [_timed(client, path) for path in paths]
                _bump(url)
                times[route]["after a change"] += [_timed(client, path) for path in paths]
                time.sleep(2)  # the background recounts
        body = client.get(f"/api/events.geojson?region={quote(REGION)}").data
        region = {
            "features": body.count(b'"type":"Feature"'),
            "bytes": len(body),
            "gzip_bytes": len(gzip.compress(body, compresslevel=6)),
        }
        return {"times": times, "region": region}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--kind", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--postgres-url", default=POSTGRES_URL)
    args = parser.parse_args(argv)
    pin_clock(TODAY.isoformat())  # the day the events are spread around
    figures = bench(args.kind, args.events, args.postgres_url)
    times = figures["times"]
    assert isinstance(times, dict)
    for number, (label, (route, baseline)) in enumerate(PAIRS.items(), start=1):
        print(f"{number}. {label} {route} against {baseline}, {args.events} events, {args.kind}:")
        for phase in PHASES:
            ours, theirs = summary(times[route][phase]), summary(times[baseline][phase])
            print(
                f"   {phase:<15} p95 {ours['p95_ms']:7.1f} ms against {theirs['p95_ms']:6.1f} ms "
                f"(ratio {ours['p95_ms'] / theirs['p95_ms']:5.2f}); "
                f"median {ours['median_ms']:6.1f} ms against {theirs['median_ms']:6.1f} ms"
            )
    region = figures["region"]
    assert isinstance(region, dict)
    print(
        f"3. GeoJSON of {REGION}: {region['features']} events, {region['bytes'] / 1e3:.0f} kB, "
        f"{region['gzip_bytes'] / 1e3:.0f} kB gzip-compressed ({region['gzip_bytes'] / region['bytes']:.2f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
