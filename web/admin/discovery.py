"""What discovery finds at a site's address, shaped for the "add a source" page."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _


class DiscoveryFailed(Exception):
    """Discovery could not look at the site; the message says why."""


@dataclass(frozen=True)
class Findings:
    suggested_kind: str | None
    items: list[tuple[str, str]] = field(default_factory=list)


def discover_site(url: str) -> Findings:
    """Run discovery on ``url`` and list what it found."""
    from aggregator.discovery import discover

    try:
        found = discover(url)
    except (OSError, ValueError) as exc:
        raise DiscoveryFailed(_("La découverte a échoué : %(error)s", error=exc)) from exc
    data = _as_dict(found)
    kind = data.get("kind")
    items = [(str(key), _text(value)) for key, value in data.items() if value not in (None, "", [], {})]
    return Findings(str(kind) if kind else None, items)


def _as_dict(found: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(found) and not isinstance(found, type):
        return dataclasses.asdict(found)
    return dict(found or {})


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
