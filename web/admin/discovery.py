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


def discover_site(url: str) -> list[Found]:
    """The event sources the page at ``url`` declares or suggests, best first."""
    from aggregator.discovery import DiscoveryError, discover_url

    try:
        candidates = discover_url(url)
    except DiscoveryError as exc:
        raise DiscoveryFailed(str(exc)) from exc
    return [Found(c.kind, c.url, c.how, c.guessed) for c in candidates]
