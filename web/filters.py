"""The agenda's filters, parsed and validated once and shared by pages, feeds and the API.

A page, its iCal feed, its Atom feed and its API call build their query from the same ``Filters``,
so they can never disagree. Parameters (all optional, combinable):

``region`` official région name (any spelling the geography knows) · ``department`` code (``29``,
``2A``, ``974``) · ``country`` (ISO code of the place's country: ``FR``, ``BE``…) · ``city`` ·
``category`` (a slug of aggregator.normalize.categories, or its label) ·
``source`` (a source's name) · ``from`` / ``to`` (``YYYY-MM-DD``, inclusive) ·
``q`` free text · ``online`` (``1`` online only, ``0`` in person only) · ``mois_ess`` (``1``: events
of the Mois de l'ESS; ``category=mois-ess`` says the same).

The facets (``MULTI``) may be repeated: ``region=Bretagne&region=Normandie`` selects the events of
either région. Values of one facet combine with OR, facets and the other parameters with AND.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from babel import Locale
from babel.lists import format_list
from flask_babel import get_locale, gettext
from sqlalchemy import ColumnElement, false, func, select, true
from sqlalchemy.orm import Session

from aggregator.export import local_midnight
from aggregator.models import Event, Listing, Source
from aggregator.normalize.categories import BY_LABEL, BY_SLUG, CATEGORIES, MOIS_ESS
from aggregator.normalize.geography import UnknownRegion, geography, official_region, official_regions
from core.folding import fold
from web.dates import date_range, day_label
from web.labels import category_name
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
    "country": "country",
    "city": "city",
    "category": "category",
    "source": "source",
    "from": "start",
    "to": "end",
    "q": "text",
    "online": "online",
    "mois_ess": "mois_ess",
}
# Facets a visitor may pick several values of (OR within one facet).
MULTI = ("region", "department", "country", "city", "category", "source")
# What a query may give as a parameter's value: one string, or several for a repeated parameter.
ArgValue = str | list[str]


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


def _country(value: str) -> str:
    code = value.strip().upper()
    if len(code) != 2 or code not in Locale("en").territories:
        raise FilterError(
            "country",
            gettext(
                "Pays inconnu : « %(value)s ». Donnez son code à deux lettres : FR, BE, CH…", value=value
            ),
        )
    return code


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


def _first(args: Mapping[str, Any], param: str) -> str:
    values = _all(args, param)
    return values[0] if values else ""


def _all(args: Mapping[str, Any], param: str) -> list[str]:
    """Every non-empty value given for ``param``, stripped, control characters (a NUL byte
    PostgreSQL refuses) made spaces."""
    getlist = getattr(args, "getlist", None)
    given = getlist(param) if getlist else args.get(param, [])
    values = [given] if isinstance(given, str) else list(given)
    cleaned = (_CONTROLS.sub(" ", value).strip() for value in values)
    return [value for value in cleaned if value]


def _several(values: Iterable[str], key: Any = None) -> tuple[str, ...]:
    """A facet's values, each once, in a fixed order so that equal selections share one URL."""
    return tuple(sorted(set(values), key=key or fold))


def _arg(param: str, value: str) -> str:
    """A facet value as the URL says it (categories by slug)."""
    return (category_slug(value) or value) if param == "category" else value


def _cleared(param: str) -> Any:
    if param == "mois_ess":
        return False
    return () if param in MULTI else None


def _source(value: str) -> str:
    if not _SOURCE.match(value):
        raise FilterError("source", gettext("Source inconnue : « %(value)s ».", value=value))
    return value


@dataclass(frozen=True)
class Filters:
    """What a visitor asked for; empty means every upcoming event."""

    region: tuple[str, ...] = ()
    department: tuple[str, ...] = ()
    country: tuple[str, ...] = ()
    city: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    source: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    text: str | None = None
    online: bool | None = None
    mois_ess: bool = False

    @classmethod
    def parse(cls, args: Mapping[str, Any]) -> Filters:
        """Validate query parameters (a MultiDict, or a mapping to a string or a list of them);
        raises FilterError naming the first wrong one."""
        raw = {param: _first(args, param) for param in PARAMS if param not in MULTI}
        values: dict[str, Any] = {}
        categories = [_category(value) for value in _all(args, "category")]
        if MOIS_ESS in categories:
            # The Mois de l'ESS is a checkbox of its own; its category slug is kept as a synonym.
            values["mois_ess"] = True
            categories = [label for label in categories if label != MOIS_ESS]
        values["region"] = _several(_region(v) for v in _all(args, "region"))
        values["department"] = _several(_department(v) for v in _all(args, "department"))
        values["country"] = _several(_country(v) for v in _all(args, "country"))
        values["city"] = _several(_text("city", v) for v in _all(args, "city"))
        values["category"] = _several(categories, key=lambda label: category_slug(label) or label)
        values["source"] = _several(_source(v) for v in _all(args, "source"))
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
            values["mois_ess"] = values.get("mois_ess", False) or _flag("mois_ess", raw["mois_ess"])
        return cls(**values)

    def to_args(self) -> dict[str, ArgValue]:
        """The canonical query parameters, in a fixed order (cache keys and shareable URLs); a
        facet with several values gives a list (``url_for`` repeats the parameter)."""
        args: dict[str, ArgValue] = {}
        for param, attr in PARAMS.items():
            value = getattr(self, attr)
            if value is None or value == () or (attr == "mois_ess" and not value):
                continue
            if param in MULTI:
                shown = [_arg(param, item) for item in value]
                args[param] = shown[0] if len(shown) == 1 else shown
            elif isinstance(value, bool):
                args[param] = "1" if value else "0"
            elif isinstance(value, date):
                args[param] = value.isoformat()
            else:
                args[param] = str(value)
        return args

    @property
    def query_string(self) -> str:
        return urlencode(self.to_args(), doseq=True)

    @property
    def is_empty(self) -> bool:
        return not self.to_args()

    def without(self, *params: str) -> Filters:
        """These filters minus some parameters (named as in the URL), every value of a facet."""
        cleared: dict[str, Any] = {PARAMS[p]: _cleared(p) for p in params}
        return replace(self, **cleared)

    def between(self, first: date, last: date) -> Filters:
        """These filters for the days from ``first`` to ``last``."""
        return replace(self, start=first, end=last)

    def without_value(self, param: str, value: str) -> Filters:
        """These filters minus one value of a parameter (as ``active`` gives it)."""
        if param not in MULTI:
            return self.without(param)
        kept: dict[str, Any] = {
            PARAMS[param]: tuple(item for item in getattr(self, PARAMS[param]) if _arg(param, item) != value)
        }
        return replace(self, **kept)

    def active(self) -> list[tuple[str, str]]:
        """(parameter, value) pairs set, one per value, for "remove this filter" links."""
        pairs: list[tuple[str, str]] = []
        for param, value in self.to_args().items():
            pairs.extend((param, item) for item in ([value] if isinstance(value, str) else value))
        return pairs

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
            where.append(Event.region.in_(self.region))
        if self.department:
            where.append(Event.department.in_(self.department))
        if self.country:
            where.append(Event.country.in_(self.country))
        if self.city:
            # SQLite's own lower() changes ASCII letters only: "Île-de-Batz" would never match.
            lower = func.unicode_lower if dialect == "sqlite" else func.lower
            where.append(lower(Event.city).in_([city.lower() for city in self.city]))
        if self.category:
            where.append(has_category(dialect, self.category))
        if self.mois_ess:
            where.append(has_category(dialect, (MOIS_ESS,)))
        if self.source:
            where.append(listed_by(self.source))
        if self.text:
            where.append(text_match(dialect, self.text))
        if self.online is not None:
            where.append(Event.online == (true() if self.online else false()))
        return where


def listed_by(sources: Sequence[str]) -> ColumnElement[bool]:
    """Events any of these sources announces (through a listing it still shows)."""
    # Uncorrelated on purpose: the sources' listings are read once, not once per event.
    names = Source.name == sources[0] if len(sources) == 1 else Source.name.in_(sources)
    announced = (
        select(Listing.event_id)
        .join(Source, Source.id == Listing.source_id)
        .where(names, Listing.removed == false(), Listing.event_id.is_not(None))
    )
    return Event.id.in_(announced)


def source_titles(session: Session) -> dict[str, str]:
    """Source name → display title, by title."""
    rows = session.execute(select(Source.name, Source.title)).all()
    return dict(sorted(((r.name, r.title or r.name) for r in rows), key=lambda pair: pair[1].casefold()))


def checked_titles(session: Session, filters: Filters) -> dict[str, str]:
    """Source name → display title, once every source the filters name is known to be one of them
    (the only check of the filters that needs the database)."""
    titles = source_titles(session)
    for name in filters.source:
        if name not in titles:
            raise FilterError("source", gettext("Source inconnue : « %(value)s ».", value=name))
    return titles


def describe(filters: Filters, titles: Mapping[str, str], locale: Locale | str | None = None) -> str:
    """The filters in words ("Bretagne · atelier · du 1er au 4 décembre 2026"); empty when none."""
    parts: list[str] = []
    if filters.mois_ess:
        parts.append(gettext("Mois de l'ESS"))
    loc = locale or get_locale() or "fr"
    for values in (
        filters.region,
        filters.city,
        [category_name(label) for label in filters.category],
        [department_label(code) for code in filters.department],
    ):
        if values:
            parts.append(format_list(list(values), style="or", locale=loc))
    if filters.source:
        names = [titles.get(name, name) for name in filters.source]
        parts.append(gettext("annoncés par %(source)s", source=format_list(names, style="or", locale=loc)))
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
        return category_name(category.label) if category else value
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
