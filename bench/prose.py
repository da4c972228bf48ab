"""Figures of reading events out of prose: the classifier, the prose corpus, the samples.

Usage: python -m bench.prose [--prose DIR] [--skip-samples]

1. The classifier on the held-apart part of the labelled set (bench/labelled): precision, recall,
   and by kind of candidate how many were called events.
2. ../shared/prose crawled over HTTP into a fresh SQLite database with the clock pinned to its
   "today": recall and precision (optional events neither rewarded nor penalised), start and end
   exactness of the events found.
3. The sample sites (bench.score_samples) on their own "today", which must stay perfect.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.learn_verdicts import examples, measure
from bench.score_samples import _same_event, crawl_samples, load, report, score
from spiders.extract.verdicts import model

PROSE = Path(__file__).resolve().parents[2] / "shared" / "prose"


def classifier_figures() -> None:
    held = [e for e in examples() if e.split == "test"]
    figures = measure(model(), held)
    print(f"classifier, held-apart candidates: {figures['count']}")
    print(f"  precision {figures['precision']:.3f}  recall {figures['recall']:.3f}")
    print("  kind          called event / not")
    by_kind: dict[str, list[int]] = figures["by_kind"]  # type: ignore[assignment]
    for kind, (said, not_said) in sorted(by_kind.items()):
        print(f"  {kind:<13} {said:>5} / {not_said}")


def crawl_prose(root: Path, database_url: str) -> None:
    from aggregator.crawl import run_crawls
    from aggregator.db import get_engine, get_sessionmaker
    from aggregator.samples_server import serve_sites
    from aggregator.schema import upgrade
    from aggregator.sources import read_sources_file, upsert_sources

    upgrade(get_engine(database_url))
    with serve_sites(root / "sites") as base:
        specs = read_sources_file(root / "sources.yaml", base)
        with get_sessionmaker(database_url).begin() as session:
            upsert_sources(session, specs)
        run_crawls([s["name"] for s in specs], trigger="bench", database_url=database_url)


def prose_figures(events: list[dict[str, Any]], expected: dict[str, Any]) -> dict[str, float]:
    wanted = [e for e in expected["events"] if not e.get("optional")]
    optional = [e for e in expected["events"] if e.get("optional")]
    found = [w for w in wanted if any(_same_event(w, e) for e in events)]
    true = [e for e in events if any(_same_event(w, e) for w in wanted)]
    neutral = [e for e in events if e not in true and any(_same_event(o, e) for o in optional)]
    false = [e for e in events if e not in true and e not in neutral]
    exact_start = exact_end = 0
    for w in found:
        actual = next(e for e in events if _same_event(w, e))
        exact_start += actual["start"] == w["start"]
        exact_end += actual["end"] == w["end"]
        if actual["start"] != w["start"] or actual["end"] != w["end"]:
            print(f"  times {actual['start']}..{actual['end']} != {w['start']}..{w['end']}: {w['title']}")
    for w in wanted:
        if w not in found:
            print(f"  missing: {w['start'][:10]} {w['title']} ({', '.join(w['listed_on'])})")
    for e in false:
        print(f"  not expected: {e['start']} {e['title']} ({', '.join(s['name'] for s in e['sources'])})")
    return {
        "recall": len(found) / max(len(wanted), 1),
        "precision": len(true) / max(len(true) + len(false), 1),
        "start": exact_start / max(len(found), 1),
        "end": exact_end / max(len(found), 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--prose", type=Path, default=PROSE, help="the prose corpus (default ../shared/prose)"
    )
    parser.add_argument("--skip-samples", action="store_true")
    args = parser.parse_args(argv)
    classifier_figures()

    expected = json.loads((args.prose / "expected.json").read_text(encoding="utf-8"))
    os.environ["ESS_AGENDA_NOW"] = expected["today"]
    url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'prose.sqlite3'}"
    crawl_prose(args.prose, url)
    events, _ = load(url, expected)
    figures = prose_figures(events, expected)
    print("prose corpus: " + "  ".join(f"{k} {v:.3f}" for k, v in figures.items()))
    os.environ.pop("ESS_AGENDA_NOW")

    if not args.skip_samples:
        from aggregator.samples_server import EXPECTED_FILE

        samples = json.loads(Path(EXPECTED_FILE).read_text(encoding="utf-8"))
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'samples.sqlite3'}"
        # On the samples' own "today": an event already past keeps the status it was first stored with.
        os.environ["ESS_AGENDA_NOW"] = samples["today"]
        crawl_samples(url)
        result = score(*load(url, samples), samples)
        print("samples:\n" + report(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
