"""Where an event happens, resolved against the official geography.

The commune is found from its INSEE code, else from postcode + city, else from the city alone when
the name is unambiguous or a hint (département, the région the source states, the source's default
région) leaves one candidate. Without a commune, the département comes from the postcode's communes,
the city's homonyms or a "(29)"-style hint; the source's default région is the last resort, and gives
the région only. A postcode is only ever what the source wrote. A place abroad (abroad.py) gets
no commune, département or région. Coordinates are the source's own,
else, once the commune is known, its centre (``Geography.is_centre`` tells them apart later).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process

from aggregator.normalize.abroad import foreign_place
from aggregator.normalize.geography import Commune, Department, Geography, NamedCommune, geography
from aggregator.normalize.location_line import (
    LocationParts,
    parse_location,
    split_department_hint,
    without_cedex,
)
from aggregator.normalize.online import is_online
from core.folding import fold

_POSTCODE = re.compile(r"^\d{5}$")
_ARRONDISSEMENT = re.compile(
    r"^(?P<city>paris|lyon|marseille)\s*(?:-\s*)?\d{1,2}\s*(?:e|er|eme|ème|è|re)?"
    r"(?:\s*arr(?:ondissement|\.)?)?$",
    re.IGNORECASE,
)
_COUNTRY = frozenset({"france", "fr"})
# Below this similarity a city name is not taken for one of its postcode's communes.
FUZZY_CITY_CUTOFF = 88
MAX_TEXT = 2000
MAX_CITY = 200  # the column's size
MAX_POSTCODE = 10  # the column's size
# What a listing's place is resolved from, beside its online flag (the title counts only through it).
PLACE_INPUTS = (
    *("location_name", "address", "postcode", "city", "insee", "department", "region", "country"),
    *("lat", "lon"),
)


FRANCE = "FR"


@dataclass(frozen=True, slots=True)
class Place:
    """The place columns of a listing."""

    location_name: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    insee: str | None = None
    department: str | None = None
    region: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2: FR once a French place is found
    lat: float | None = None
    lon: float | None = None


def resolve_place(
    fields: Mapping[str, Any], default_region: str | None = None, source_abroad: bool = False
) -> Place:
    """The place of a listing from what its source gives; an online event has none.
    ``source_abroad``: the source lives in a zone outside France, so a bare postcode is not French."""
    if is_online(fields):
        return Place()
    abroad = foreign_place(fields, source_abroad)
    if abroad is not None:  # neither its postcode nor the source's région says anything French
        country, postcode, city = abroad
        lat, lon = coordinates(fields.get("lat"), fields.get("lon"))
        name, address = _text(fields.get("location_name")), _text(fields.get("address"))
        city = city[:MAX_CITY] if city else None
        postcode = (postcode or "")[:MAX_POSTCODE] or None
        return Place(name, address, postcode, city, country=country or None, lat=lat, lon=lon)
    geo = geography()
    parts = given_parts(fields)
    city, city_hint = clean_city(parts.city)
    postcode = clean_postcode(parts.postcode)
    hint = (
        geo.department_named(_text(fields.get("department")))
        or geo.department_named(city_hint)
        or geo.department_named(parts.department_hint)
    )
    stated_region = geo.region_named(_text(fields.get("region"))) or parts.region_hint
    fallback_region = geo.region_named(default_region)  # only ever one of the 18 official names
    regions = [r for r in (stated_region, fallback_region) if r]
    lat, lon = coordinates(fields.get("lat"), fields.get("lon"))
    near = geo.departments_at(lat, lon)
    found = find_commune(geo, _text(fields.get("insee")), postcode, city, hint, regions, near)
    place = Place(
        location_name=parts.name,
        address=clean_address(parts.address, postcode, city),
        postcode=postcode,
        city=city,
        lat=lat,
        lon=lon,
    )
    if found is not None:
        department = geo.department(found.commune.department)
        if lat is None:
            lat, lon = geo.centre(found.commune.code) or (None, None)
        return replace(
            place,
            lat=lat,
            lon=lon,
            city=found.name,
            insee=found.commune.code,
            department=found.commune.department,
            region=department.region if department else None,
            country=FRANCE,
        )
    return _without_commune(geo, place, hint, stated_region, fallback_region)


def listing_place(
    fields: Mapping[str, Any], online: bool, default_region: str | None, source_abroad: bool
) -> Place:
    """``resolve_place`` for a listing whose online flag is known, once per venue: a source's
    events share a few venues, and a crawl resolves each of them again for every event."""
    inputs = tuple(fields.get(name) for name in PLACE_INPUTS)
    try:
        return _venue_place(inputs, online, default_region, source_abroad)
    except TypeError:  # a value that cannot be a key (a list given as a latitude): resolved as is
        return _resolve_inputs(inputs, online, default_region, source_abroad)


def _resolve_inputs(
    inputs: tuple[Any, ...], online: bool, default_region: str | None, source_abroad: bool
) -> Place:
    fields = dict(zip(PLACE_INPUTS, inputs, strict=True)) | {"online": online}
    return resolve_place(fields, default_region, source_abroad)


_venue_place = lru_cache(maxsize=4096)(_resolve_inputs)


def given_parts(fields: Mapping[str, Any]) -> LocationParts:
    """The structured fields, completed from a one-line address or location where they lack some."""
    name, address = _text(fields.get("location_name")), _text(fields.get("address"))
    postcode, city = _text(fields.get("postcode")), _text(fields.get("city"))
    if city and not postcode and re.search(r"\d{5}|,", city):
        line = parse_location(city)  # "29200 Brest" or "Brest, France" in the city field
        postcode, city = line.postcode, line.city or city
    given = LocationParts(name, address, postcode, city)
    if postcode and city:
        return given
    from_address = parse_location(address)
    if from_address.city and _agrees(from_address, given):
        return _completed(given, from_address, name=name or from_address.name, address=from_address.address)
    from_name = parse_location(name)
    if from_name.city and _agrees(from_name, given):
        return _completed(given, from_name, name=from_name.name, address=address or from_name.address)
    return given


def _agrees(line: LocationParts, given: LocationParts) -> bool:
    """A parsed line may complete the structured fields if it does not contradict them."""
    same_city = not given.city or fold(clean_city(line.city)[0] or "") == fold(
        clean_city(given.city)[0] or ""
    )
    return same_city and (not given.postcode or not line.postcode or line.postcode == given.postcode)


def _completed(
    given: LocationParts, line: LocationParts, name: str | None, address: str | None
) -> LocationParts:
    return LocationParts(
        name=name,
        address=address,
        postcode=given.postcode or line.postcode,
        city=given.city or line.city,
        department_hint=line.department_hint,
        region_hint=line.region_hint,
    )


def find_commune(
    geo: Geography,
    insee: str | None,
    postcode: str | None,
    city: str | None,
    hint: Department | None,
    regions: list[str],
    near: frozenset[str] = frozenset(),
) -> NamedCommune | None:
    """The commune meant, or None when the data does not tell it for sure."""
    commune = geo.commune(insee)
    if commune is not None:
        named = geo.named_among(city, [commune])
        return named[0] if named else NamedCommune(commune, commune.name)
    served = geo.by_postcode(postcode)
    if served:
        found = _among_postcode(geo, served, city)
        if found is not None or not city:
            return found
    candidates = geo.by_name(city)
    filters = [
        {hint.code} if hint else None,
        near,
        {c.department for c in served} or _prefix_departments(geo, postcode),
        *(geo.departments_of_region(region) for region in regions),
    ]
    for allowed in filters:
        if len(candidates) <= 1:
            break
        if allowed:
            candidates = [n for n in candidates if n.commune.department in allowed] or candidates
    return candidates[0] if len(candidates) == 1 else None


def _among_postcode(geo: Geography, served: list[Commune], city: str | None) -> NamedCommune | None:
    """The commune of a postcode the city names (spelling slips allowed); the only one if no city."""
    if not city:
        return NamedCommune(served[0], served[0].name) if len(served) == 1 else None
    named = geo.named_among(city, served)
    if len(named) == 1:
        return named[0]
    choices = {c.code: fold(c.name) for c in served}
    best = process.extractOne(fold(city), choices, scorer=fuzz.ratio, score_cutoff=FUZZY_CITY_CUTOFF)
    if best is None:
        return None
    commune = next(c for c in served if c.code == best[2])
    return NamedCommune(commune, commune.name)


def _without_commune(
    geo: Geography, place: Place, hint: Department | None, stated: str | None, fallback: str | None
) -> Place:
    """Département and région from whatever else is known; the default région only as a last resort."""
    served = geo.by_postcode(place.postcode)
    homonyms = [n.commune for n in geo.by_name(place.city)]
    department = (
        _single(geo, {c.department for c in served})
        or _single(geo, {c.department for c in homonyms})
        or hint
        or _single(geo, geo.departments_at(place.lat, place.lon))
        or _single(geo, _prefix_departments(geo, place.postcode))
    )
    if department is not None:
        return replace(place, department=department.code, region=department.region, country=FRANCE)
    region = _single_region(geo, served) or _single_region(geo, homonyms) or stated
    if region is None and not homonyms and not served:
        region = fallback  # nothing places the event elsewhere: assume the source's own région
    return replace(place, region=region, country=FRANCE if region else None)


def _single(geo: Geography, codes: Iterable[str]) -> Department | None:
    unique = set(codes)
    return geo.department(unique.pop()) if len(unique) == 1 else None


def _single_region(geo: Geography, communes: list[Commune]) -> str | None:
    regions = {d.region for d in (geo.department(c.department) for c in communes) if d}
    return regions.pop() if len(regions) == 1 else None


def _prefix_departments(geo: Geography, postcode: str | None) -> set[str]:
    """For a postcode La Poste does not list (CEDEX), the département its first digits name, if any."""
    if not postcode or geo.by_postcode(postcode):
        return set()
    code = postcode[:3] if postcode.startswith(("97", "98")) else postcode[:2]
    return {code} if geo.department(code) else set()


def clean_city(city: str | None) -> tuple[str | None, str | None]:
    """("Brest Cedex 2") → ("Brest", None); ("Lille (59)") → ("Lille", "59"); "Paris 11e" → "Paris"."""
    if not city:
        return None, None
    city, hint = split_department_hint(city.strip())
    city = without_cedex(city).strip(" ,")
    match = _ARRONDISSEMENT.match(city)
    if match:
        city = match.group("city")
    return city[:MAX_CITY] or None, hint


def clean_postcode(postcode: str | None) -> str | None:
    """Five digits as the source wrote them ("29 200" → "29200"), else nothing."""
    if not postcode:
        return None
    compact = re.sub(r"\s+", "", str(postcode))
    return compact if _POSTCODE.match(compact) else None


def clean_address(address: str | None, postcode: str | None, city: str | None) -> str | None:
    """The street address without trailing repeats of postcode, city or country."""
    if not address:
        return None
    parts = [p.strip() for p in address.split(",") if p.strip()]
    tail = {fold(t) for t in (postcode, city, f"{postcode} {city}", f"{city} {postcode}") if t}
    while parts and (fold(parts[-1]) in tail or fold(parts[-1]) in _COUNTRY):
        parts.pop()
    return ", ".join(parts) or None


def coordinates(lat: Any, lon: Any) -> tuple[float | None, float | None]:
    """Latitude and longitude when both are numbers on the globe and not the (0, 0) placeholder."""
    try:
        y, x = float(lat), float(lon)
    except (TypeError, ValueError):
        return None, None
    if not (-90 <= y <= 90 and -180 <= x <= 180) or (y == 0 and x == 0):
        return None, None
    return y, x


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()[:MAX_TEXT]
    return text or None
