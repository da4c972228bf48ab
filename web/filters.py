"""The agenda's filters, parsed and validated once and shared by pages, feeds and the API.

A page, its iCal feed, its Atom feed and its API call build their query from the same ``Filters``,
so they can never disagree. Parameters (all optional, combinable):

``region`` official région name (any spelling the geography knows) · ``department`` code (``29``,
``2A``, ``974``) · ``city`` · ``category`` (a slug of aggregator.normalize.categories, or its label) ·
``source`` (a source's name) · ``from`` / ``to`` (``YYYY-MM-DD``, inclusive) ·
``q`` free text · ``online`` (``1`` online only, ``0`` in person only) · ``mois_ess`` (``1``: events
of the Mois de l'ESS).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from flask_babel import gettext
from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from aggregator.export import local_midnight
from aggregator.models import Event, Listing, Source
from aggregator.normalize.categories import BY_LABEL, BY_SLUG, CATEGORIES, MOIS_ESS
from aggregator.normalize.geography import UnknownRegion, geography, official_region, official_regions
from web.dates import date_range, day_label
from web.search import has_category, text_match

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# No text column can hold NUL (PostgreSQL refuses it) and no search needs a control character.
_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_SOURCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_YES = ("1", "true", "oui", "yes", "on")
_NO = ("0", "false", "non", "no", "off")
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_TEXT = 200

# URL parameter → attribute.
PARAMS = {
    "region": "region",
    "department": "department",
    "city": "city",
    "category": "category",
    "source": "source",
    "from": "start",
    "to": "end",
    "q": "text",
    "online": "online",
    "mois_ess": "mois_ess",
}


class FilterError(ValueError):
    """A query parameter that cannot be understood; ``param`` names it for the 400 page."""

    def __init__(self, param: str, message: str) -> None:
        super().__init__(message)
        self.param = param
        self.message = message


@cache
def regions() -> tuple[str, ...]:
    """The 18 official régions, in reading order."""
    return official_regions()


def department_name(code: str) -> str:
    """ "Finistère"; the bare code when the geography does not know it."""
    department = geography().department(code)
    return department.name if department else code


def department_label(code: str) -> str:
    """ "Finistère (29)"."""
    name = department_name(code)
    return f"{name} ({code})" if name != code else code


def category_slug(label: str) -> str | None:
    category = BY_LABEL.get(label)
    return category.slug if category else None


def _region(value: str) -> str:
    try:
        return official_region(value)
    except UnknownRegion as unknown:
        raise FilterError(
            "region",
            gettext(
                "Région inconnue : « %(value)s ». Les régions sont : %(names)s.",
                value=value,
                names=", ".join(unknown.names),
            ),
        ) from None


def _department(value: str) -> str:
    code = value.strip().upper()
    code = code.zfill(2) if code.isdigit() and len(code) == 1 else code
    if geography().department(code) is None:
        raise FilterError(
            "department",
            gettext("Département inconnu : « %(value)s ». Donnez son code : 29, 2A, 974…", value=value),
        )
    return code


def _category(value: str) -> str:
    category = BY_SLUG.get(value.strip().lower()) or BY_LABEL.get(value.strip())
    if category is None:
        raise FilterError(
            "category",
            gettext(
                "Catégorie inconnue : « %(value)s ». Les catégories sont : %(names)s.",
                value=value,
                names=", ".join(c.slug for c in CATEGORIES),
            ),
        )
    return category.label


def _day(param: str, value: str) -> date:
    try:
        if not _DATE.match(value):
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise FilterError(
            param,
            gettext(
                "« %(value)s » n'est pas une date valide : écrivez-la AAAA-MM-JJ, par exemple 2026-11-26.",
                value=value,
            ),
        ) from None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise FilterError(
            param,
            gettext(
                "La date %(value)s est hors de %(low)s–%(high)s.", value=value, low=MIN_YEAR, high=MAX_YEAR
            ),
        )
    return day


def _flag(param: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise FilterError(param, gettext("« %(value)s » : attendu 1 (oui) ou 0 (non).", value=value))


def _text(param: str, value: str, limit: int = MAX_TEXT) -> str:
    text = " ".join(value.split())
    if len(text) > limit:
        raise FilterError(param, gettext("Texte trop long : %(limit)s caractères au plus.", limit=limit))
    return text


def _source(value: str) -> str:
    if not _SOURCE.match(value):
        raise FilterError("source", gettext("Source inconnue : « %(value)s ».", value=value))
    return value


@dataclass(frozen=True)
class Filters:
    """What a visitor asked for; empty means every upcoming event."""

    region: str | None = None
    department: str | None = None
    city: str | None = None
    category: str | None = None
    source: str | None = None
    start: date | None = None
    end: date | None = None
    text: str | None = None
    online: bool | None = None
    mois_ess: bool = False

    @classmethod
    def parse(cls, args: Mapping[str, str]) -> Filters:
        """Validate query parameters; raises FilterError naming the first wrong one."""
        raw = {param: _CONTROLS.sub(" ", args.get(param, "")).strip() for param in PARAMS}
        values: dict[str, Any] = {}
        if raw["region"]:
            values["region"] = _region(raw["region"])
        if raw["department"]:
            values["department"] = _department(raw["department"])
        if raw["city"]:
            values["city"] = _text("city", raw["city"])
        if raw["category"]:
            values["category"] = _category(raw["category"])
        if raw["source"]:
            values["source"] = _source(raw["source"])
        if raw["from"]:
            values["start"] = _day("from", raw["from"])
        if raw["to"]:
            values["end"] = _day("to", raw["to"])
        if values.get("start") and values.get("end") and values["end"] < values["start"]:
            raise FilterError(
                "to",
                gettext("La fin (%(end)s) précède le début (%(start)s).", end=raw["to"], start=raw["from"]),
            )
        if raw["q"]:
            values["text"] = _text("q", raw["q"]) or None
        if raw["online"]:
            values["online"] = _flag("online", raw["online"])
        if raw["mois_ess"]:
            values["mois_ess"] = _flag("mois_ess", raw["mois_ess"])
        return cls(**values)

    def to_args(self) -> dict[str, str]:
        """The canonical query parameters, in a fixed order (cache keys and shareable URLs)."""
        args: dict[str, str] = {}
        for param, attr in PARAMS.items():
            value = getattr(self, attr)
            if value is None or (attr == "mois_ess" and not value):
                continue
            if isinstance(value, bool):
                args[param] = "1" if value else "0"
            elif attr == "category":
                args[param] = category_slug(value) or value
            elif isinstance(value, date):
                args[param] = value.isoformat()
            else:
                args[param] = str(value)
        return args

    @property
    def query_string(self) -> str:
        return urlencode(self.to_args())

    @property
    def is_empty(self) -> bool:
        return not self.to_args()

    def without(self, *params: str) -> Filters:
        """These filters minus some parameters (named as in the URL)."""
        cleared: dict[str, Any] = {PARAMS[p]: (False if p == "mois_ess" else None) for p in params}
        return replace(self, **cleared)

    def active(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs set, for "remove this filter" links."""
        return list(self.to_args().items())

    def window(self, default_start: date | None) -> tuple[date | None, date | None]:
        """The days asked for: ``from`` (else ``default_start``) to ``to``."""
        return self.start or default_start, self.end

    def conditions(
        self, dialect: str, default_start: date | None, not_before: datetime | None = None
    ) -> list[ColumnElement[bool]]:
        """WHERE clauses on Event selecting exactly these filters' events.

        ``not_before``, the earliest start of the events still running on the first day, lets the
        start index skip the past instead of reading it.
        """
        first, last = self.window(default_start)
        where: list[ColumnElement[bool]] = []
        if first is not None:
            where.append(func.coalesce(Event.end, Event.start) >= local_midnight(first))
            if not_before is not None:
                where.append(Event.start >= not_before)
        if last is not None:
            where.append(Event.start < local_midnight(last + timedelta(days=1)))
        if self.region:
            where.append(Event.region == self.region)
        if self.department:
            where.append(Event.department == self.department)
        if self.city:
            # SQLite's own lower() changes ASCII letters only: "Île-de-Batz" would never match.
            lower = func.unicode_lower if dialect == "sqlite" else func.lower
            where.append(lower(Event.city) == self.city.lower())
        if self.category:
            where.append(has_category(dialect, (self.category,)))
        if self.mois_ess:
            where.append(has_category(dialect, (MOIS_ESS,)))
        if self.source:
            where.append(listed_by(self.source))
        if self.text:
            where.append(text_match(dialect, self.text))
        if self.online is not None:
            where.append(Event.online == (true() if self.online else false()))
        return where


def listed_by(source: str) -> ColumnElement[bool]:
    """Events a source announces (through a listing it still shows)."""
    # Uncorrelated on purpose: the source's listings are read once, not once per event.
    announced = (
        select(Listing.event_id)
        .join(Source, Source.id == Listing.source_id)
        .where(Source.name == source, Listing.removed == false(), Listing.event_id.is_not(None))
    )
    return Event.id.in_(announced)


def source_titles(session: Session) -> dict[str, str]:
    """Source name → display title, by title."""
    rows = session.execute(select(Source.name, Source.title)).all()
    return dict(sorted(((r.name, r.title or r.name) for r in rows), key=lambda pair: pair[1].casefold()))


def check_sources(filters: Filters, titles: Mapping[str, str]) -> None:
    """A source filter must name a known source (the only check that needs the database)."""
    if filters.source and filters.source not in titles:
        raise FilterError("source", gettext("Source inconnue : « %(value)s ».", value=filters.source))


def describe(filters: Filters, titles: Mapping[str, str], locale: Locale | str | None = None) -> str:
    """The filters in words ("Bretagne · atelier · du 1er au 4 décembre 2026"); empty when none."""
    parts: list[str] = []
    if filters.mois_ess:
        parts.append(gettext("Mois de l'ESS"))
    for value in (filters.region, filters.city, filters.category):
        if value:
            parts.append(value)
    if filters.department:
        parts.append(department_label(filters.department))
    if filters.source:
        parts.append(gettext("annoncés par %(source)s", source=titles.get(filters.source, filters.source)))
    if filters.text:
        parts.append(f"« {filters.text} »")
    if filters.online is not None:
        parts.append(gettext("en ligne") if filters.online else gettext("sur place"))
    if filters.start and filters.end:
        parts.append(date_range(filters.start, filters.end, locale))
    elif filters.start:
        parts.append(gettext("à partir du %(day)s", day=day_label(filters.start, locale)))
    elif filters.end:
        parts.append(gettext("jusqu'au %(day)s", day=day_label(filters.end, locale)))
    return " · ".join(parts)


def value_label(param: str, value: str, titles: Mapping[str, str]) -> str:
    """How an active filter reads, for "remove this filter" links."""
    if param == "source":
        return titles.get(value, value)
    if param == "category":
        category = BY_SLUG.get(value)
        return category.label if category else value
    if param == "department":
        return department_label(value)
    if param == "online":
        return gettext("en ligne") if value == "1" else gettext("sur place")
    if param == "mois_ess":
        return gettext("Mois de l'ESS")
    if param == "from":
        return gettext("à partir du %(day)s", day=day_label(date.fromisoformat(value)))
    if param == "to":
        return gettext("jusqu'au %(day)s", day=day_label(date.fromisoformat(value)))
    if param == "q":
        return f"« {value} »"
    return value
