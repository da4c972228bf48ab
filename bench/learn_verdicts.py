"""Learn the weights of the event classifier (spiders.extract.verdicts) from the labelled set.

Usage: python -m bench.learn_verdicts [--list] [--check]

The labelled set is ``bench/labelled/labels.json``: documents of ``bench/labelled/documents``, or the
repository's own files they are (an entry's ``source``: sample sites, prose fixtures) (pages,
post contents, PDFs, plain text), each with its publication date, its split (``train`` or ``test``:
the test documents are kept apart for measurement only) and, for each date its candidates start on,
what it is: ``event`` or the kind of trap (``past``, ``deadline``, ``hours``, ``publication``,
``period``, ``job``, ``conditional``, ``internal``…); ``optional`` dates are left out. A logistic
regression is fitted on the train split by gradient descent with an L2 penalty, and the threshold is
the lowest that keeps the train split's precision at PRECISION_FLOOR. ``--list`` prints every
candidate with its label (an unlabelled date is an error); ``--check`` fits without writing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from spiders.extract.candidates import Candidate, find_candidates
from spiders.extract.documents import Document, html_document, pdf_document, text_document
from spiders.extract.verdicts import WEIGHTS_FILE, Model, features

LABELLED = Path(__file__).with_name("labelled")
ROOT = LABELLED.parents[1]
PRECISION_FLOOR = 0.97
EPOCHS, RATE, PENALTY = 3000, 0.3, 0.003


@dataclass(frozen=True)
class Example:
    candidate: Candidate
    kind: str  # "event" or the kind of trap
    split: str
    document: str

    @property
    def label(self) -> int:
        return int(self.kind == "event")


def read_document(entry: dict[str, str]) -> Document:
    """A labelled document: its copy in ``documents``, or the repository's file it is (``source``),
    read under its labelled name either way."""
    name = entry["file"]
    path = ROOT / entry["source"] if "source" in entry else LABELLED / "documents" / name
    published = date.fromisoformat(entry["published"])
    title = entry.get("title", "")
    form = entry.get("format") or Path(name).suffix.lstrip(".")
    if form == "pdf":
        return pdf_document(path.read_bytes(), name, title, published)
    if form == "txt":
        return text_document(path.read_text(encoding="utf-8"), name, title, published)
    whole = form != "fragment"
    return html_document(path.read_text(encoding="utf-8"), name, title, published, whole_page=whole)


def examples(strict: bool = True) -> list[Example]:
    """Every labelled candidate; an unlabelled date raises (or, not strict, is skipped)."""
    labels = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
    found: list[Example] = []
    for entry in labels["documents"]:
        document = read_document(entry)
        for candidate in find_candidates(document):
            first, last = candidate.days.first.isoformat(), candidate.days.last.isoformat()
            kind = entry["dates"].get(f"{first}/{last}") or entry["dates"].get(first)
            if kind is None:
                if strict:
                    raise KeyError(
                        f"{entry['file']}: no label for {candidate.days.first} ({candidate.sentence[:80]})"
                    )
                continue
            if kind != "optional":
                found.append(Example(candidate, kind, entry["split"], entry["file"]))
    return found


def fit(train: list[Example]) -> Model:
    """Logistic regression by full-batch gradient descent with an L2 penalty."""
    rows = [features(e.candidate) for e in train]
    names = sorted(rows[0]) if rows else []
    weights = dict.fromkeys(names, 0.0)
    bias = 0.0
    count = max(len(rows), 1)
    for _ in range(EPOCHS):
        grad = dict.fromkeys(names, 0.0)
        grad_bias = 0.0
        for row, example in zip(rows, train, strict=True):
            score = bias + sum(weights[n] * row[n] for n in names)
            error = 1 / (1 + math.exp(-max(min(score, 30), -30))) - example.label
            grad_bias += error
            for name in names:
                grad[name] += error * row[name]
        bias -= RATE * grad_bias / count
        for name in names:
            weights[name] -= RATE * (grad[name] / count + PENALTY * weights[name])
    model = Model({n: round(w, 4) for n, w in weights.items()}, round(bias, 4), 0.5)
    return Model(model.weights, model.bias, _threshold(model, rows, train))


def _threshold(model: Model, rows: list[dict[str, float]], train: list[Example]) -> float:
    scored = sorted(((model.probability(r), e.label) for r, e in zip(rows, train, strict=True)), reverse=True)
    best = 0.5
    for cut in (x / 100 for x in range(30, 96, 5)):
        kept = [label for p, label in scored if p >= cut]
        if kept and sum(kept) / len(kept) >= PRECISION_FLOOR:
            return cut
        best = cut
    return best


def measure(model: Model, test: list[Example]) -> dict[str, object]:
    """Precision, recall and, by kind of candidate, how many the model called events."""
    by_kind: dict[str, list[int]] = {}
    tp = fp = fn = 0
    for example in test:
        said = model.probability(features(example.candidate)) >= model.threshold
        counts = by_kind.setdefault(example.kind, [0, 0])
        counts[0 if said else 1] += 1
        tp += said and example.label == 1
        fp += said and example.label == 0
        fn += (not said) and example.label == 1
    return {
        "precision": tp / max(tp + fp, 1),
        "recall": tp / max(tp + fn, 1),
        "by_kind": by_kind,
        "count": len(test),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every candidate with its label")
    parser.add_argument("--check", action="store_true", help="fit and measure without writing")
    args = parser.parse_args(argv)
    if args.list:
        labels = json.loads((LABELLED / "labels.json").read_text(encoding="utf-8"))
        for entry in labels["documents"]:
            for candidate in find_candidates(read_document(entry)):
                day = candidate.days.first.isoformat()
                print(
                    f"{entry['file']}\t{day}\t{entry['dates'].get(day, '?')}\t{candidate.title[:50]}"
                    f"\t{candidate.sentence[:90]}"
                )
        return 0
    found = examples()
    train = [e for e in found if e.split == "train"]
    test = [e for e in found if e.split == "test"]
    model = fit(train)
    print(f"labelled candidates: {len(found)} ({len(train)} train, {len(test)} test)")
    print(json.dumps(measure(model, test), ensure_ascii=False))
    if not args.check:
        data = {"bias": model.bias, "threshold": model.threshold, "weights": model.weights}
        WEIGHTS_FILE.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"written {WEIGHTS_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
