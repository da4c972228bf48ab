"""What discovery finds at a site's address, for the "add a source" page (aggregator.discovery)."""

from __future__ import annotations

from dataclasses import dataclass


class DiscoveryFailed(Exception):
    """Discovery could not read the site; the message says why."""


@dataclass(frozen=True)
class Found:
    """One way the site publishes its events: the kind that reads it, where, and what pointed there."""

    kind: str
    url: str
    how: str
    guessed: bool
    events: int  # events (posts, for a news feed) fetching it gave
    outcome: str  # what fetching it showed: "12 events", "HTTP 404"…


def discover_site(url: str) -> list[Found]:
    """The event sources the site at ``url`` offers, those yielding events first."""
    from aggregator.discovery import DiscoveryError, discover_url

    try:
        candidates = discover_url(url)
    except DiscoveryError as exc:
        raise DiscoveryFailed(str(exc)) from exc
    return [
        Found(f.candidate.kind, f.candidate.url, f.candidate.how, f.candidate.guessed, f.events, f.outcome)
        for f in candidates
    ]
