"""Partner sources: import from sources.yaml, look up, list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from aggregator.dedup.identity import clear_source_fragments
from aggregator.fragments import render_missing
from aggregator.models import Source
from aggregator.normalize.geography import UnknownRegion, official_region
from core.kinds import KINDS

FIELDS = ("title", "kind", "url", "region", "schedule", "options")


class SourceError(ValueError):
    """A source definition that cannot be used."""


def check_kind(kind: str) -> str:
    """A registered kind (core.kinds)."""
    if kind not in KINDS:
        raise SourceError(f"unknown kind {kind!r} (one of {', '.join(KINDS)})")
    return kind


def read_sources_file(path: Path, base: str | None = None) -> list[dict[str, Any]]:
    """The sources of a sources.yaml file, ``{base}`` in URLs replaced by ``base``."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    entries = data.get("sources") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise SourceError(f"{path}: expected a top-level 'sources:' list")
    specs = []
    for index, entry in enumerate(entries):
        specs.append(validate_source(entry, where=f"{path}: source #{index + 1}"))
        if base is not None:
            specs[-1]["url"] = specs[-1]["url"].replace("{base}", base.rstrip("/"))
    return specs


def check_region(value: object) -> str | None:
    """The official name of a source's default région (any spelling), or None when it has none."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return official_region(text)
    except UnknownRegion as unknown:
        raise SourceError(str(unknown)) from None


def validate_source(entry: Any, where: str = "source") -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise SourceError(f"{where}: expected a mapping")
    for required in ("name", "kind", "url"):
        if not entry.get(required):
            raise SourceError(f"{where}: '{required}' is required")
    check_kind(entry["kind"])
    options = entry.get("options") or {}
    if not isinstance(options, dict):
        raise SourceError(f"{where}: 'options' must be a mapping")
    region = check_region(entry.get("region"))
    return {
        "name": str(entry["name"]),
        "title": " ".join(str(entry.get("title") or entry["name"]).split()),
        "kind": entry["kind"],
        "url": str(entry["url"]),
        "region": region,
        "schedule": entry.get("schedule"),
        "options": options,
        "enabled": bool(entry.get("enabled", True)),
    }


def upsert_sources(session: Session, specs: list[dict[str, Any]]) -> tuple[int, int]:
    """Create or update sources by name; returns (created, updated)."""
    created = updated = 0
    for spec in specs:
        source = session.scalars(select(Source).where(Source.name == spec["name"])).one_or_none()
        if source is None:
            session.add(Source(**spec))
            created += 1
            continue
        changed = False
        for key, value in spec.items():
            if getattr(source, key) == value:
                continue
            if key == "title":
                retitle(source, value)
            else:
                setattr(source, key, value)
            changed = True
        updated += changed
    return created, updated


def retitle(source: Source, title: str) -> None:
    """Give a source a new title, on one line; feeds name it beside the events it announces."""
    title = " ".join(title.split())
    if title == source.title:
        return
    source.title = title
    session = object_session(source)
    if session is not None and source.id is not None:
        clear_source_fragments(session, source.id)
        render_missing(session)


def source_as_dict(source: Source) -> dict[str, Any]:
    return {
        "name": source.name,
        "title": source.title,
        "kind": source.kind,
        "url": source.url,
        "region": source.region,
        "schedule": source.schedule,
        "enabled": source.enabled,
        "options": source.options,
    }
