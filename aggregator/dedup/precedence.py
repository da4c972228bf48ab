"""Which source speaks first for an event: the organizer's own, then regional networks, then national
aggregators; and which listings are news posts rather than agenda entries.

A source states its role in its options (``role: organizer | regional | national``); without one,
its kind's role counts (core.kinds: an OpenAgenda export is a national aggregator, any other kind the
organizer's own).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.kinds import NATIONAL, ORGANIZER, REGIONAL, default_role, is_news_kind

ROLE_RANKS = {ORGANIZER: 3, REGIONAL: 2, NATIONAL: 1}
NEWS_MARKERS = frozenset({"rss", "atom", "news", "post", "article"})
NEWS_KEYS = ("guid", "evidence", "published", "kind", "origin")  # a payload with none is no news post


def source_role(kind: str, options: Mapping[str, Any] | None) -> str:
    role = str((options or {}).get("role") or "").strip().lower()
    return role if role in ROLE_RANKS else default_role(kind)


def source_rank(kind: str, options: Mapping[str, Any] | None) -> int:
    """Higher speaks first."""
    return ROLE_RANKS[source_role(kind, options)]


def is_news(kind: str, raw: Mapping[str, Any] | None) -> bool:
    """A news post that mentions an event: its title and times are the least reliable."""
    if is_news_kind(kind):
        return True
    raw = raw or {}
    marker = str(raw.get("kind") or raw.get("origin") or "").lower()
    # a feed entry carries its guid, or its link and publication date (and the sentence dated)
    feed_entry = "guid" in raw or "evidence" in raw or ("link" in raw and "published" in raw)
    return marker in NEWS_MARKERS or feed_entry
