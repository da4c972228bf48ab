"""The events a set of documents announces (a post and the PDFs it links to): candidates, verdicts.

Every candidate is judged on its own words (spiders.extract.verdicts); a post and its flyer giving
the same days make one event with the most precise fields of both. The report lists every candidate
with its verdict, for the crawl's log.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from spiders.extract.candidates import Candidate, find_candidates, merge_same_days
from spiders.extract.documents import Document
from spiders.extract.verdicts import Verdict, judge


@dataclass(frozen=True)
class Judged:
    candidate: Candidate
    verdict: Verdict

    def describe(self) -> str:
        days = self.candidate.days
        span = days.first.isoformat() + (f"..{days.last.isoformat()}" if days.last != days.first else "")
        said = "event" if self.verdict.event else "not an event"
        reasons = " ".join(self.verdict.reasons)
        return f"{span} {self.candidate.title[:60]!r}: {said} (p={self.verdict.probability}; {reasons})"


def judged_candidates(documents: list[Document]) -> list[Judged]:
    """Each distinct candidate of the documents, in order, with its verdict."""
    candidates = merge_same_days([c for document in documents for c in find_candidates(document)])
    return [Judged(c, judge(c)) for c in candidates]


def announced_events(judged: list[Judged], title: str) -> list[Candidate]:
    """The candidates judged events; a post announcing one event gives it the post's own title."""
    events = [j.candidate for j in judged if j.verdict.event]
    if len(events) == 1 and title:
        events = [replace(events[0], title=title, title_source="document")]
    return events
