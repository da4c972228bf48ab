"""A place written on one line ("Café Pluche, 3 place Paul Bert, Nontron, 24300, France") → its parts."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.normalize.geography import geography
from core.folding import fold

_SEPARATORS = re.compile(r"\s*(?:\\?,|;|\n|\s[–—-]\s)\s*")
_POSTCODE_FIRST = re.compile(r"^(?P<postcode>\d{5})\s+(?P<city>\D.*)$")
_POSTCODE_LAST = re.compile(r"^(?P<city>\D.*?)\s+(?P<postcode>\d{5})$")
_POSTCODE_ALONE = re.compile(r"^(?P<postcode>\d{5})$")
_POSTCODE_INSIDE = re.compile(r"^(?P<street>.*\S)\s+(?P<postcode>\d{5})\s+(?P<city>\D.*)$")
# "44000 Nantes Cedex 1", "Besançon Cedex (Doubs)": a mail-sorting suffix, not the commune's name.
_CEDEX = re.compile(r"\s+cedex(?:\s*\d{1,3})?\s*(?=(?:\([^()]*\))?\s*$)", re.IGNORECASE)
_DEPARTMENT_HINT = re.compile(r"\s*\(\s*(?P<hint>[^()]+?)\s*\)\s*$")
_DEPARTMENT_CODE = re.compile(r"\d{2,3}|2[AaBb]")
_COUNTRY = frozenset({"france", "fr", "france metropolitaine"})
# First words of a French street address: a part starting so is an address, not a venue's name.
_STREET_WORDS = frozenset(
    {
        *("rue", "r", "av", "avenue", "bd", "boulevard", "place", "pl", "allee", "chemin", "ch"),
        *("route", "rte", "impasse", "imp", "quai", "cours", "square", "voie", "passage", "esplanade"),
        *("parvis", "promenade", "ld", "hameau", "sentier", "faubourg", "fg", "za", "zi", "zac"),
        *("lotissement", "chaussee", "montee", "ruelle", "traverse", "bp", "cs"),
        *("rond point", "lieu dit", "zone artisanale", "zone industrielle"),
    }
)


@dataclass(frozen=True, slots=True)
class LocationParts:
    """What a one-line location says: venue name, street address, postcode, city, département hint."""

    name: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    department_hint: str | None = None
    region_hint: str | None = None


def split_department_hint(text: str) -> tuple[str, str | None]:
    """("Lille (59)") → ("Lille", "59"); ("Besançon (Doubs)") → ("Besançon", "25"); what the
    parentheses hold is left in place when it names no département."""
    match = _DEPARTMENT_HINT.search(text)
    if match is None:
        return text, None
    hint = match.group("hint")
    if _DEPARTMENT_CODE.fullmatch(hint):
        return text[: match.start()].strip(), hint.upper()
    department = geography().department_named(hint)
    if department is None:
        return text, None
    return text[: match.start()].strip(), department.code


def without_cedex(text: str) -> str:
    """("Brest Cedex 2") → "Brest"; ("Besançon Cedex (25)") → "Besançon (25)"."""
    return _CEDEX.sub(" ", text).strip()


def looks_like_street(text: str) -> bool:
    """True for "3 place Paul Bert", "rue de la Mairie", "72-74 rue Royale"."""
    words = fold(text).split()
    if not words:
        return False
    return words[0][0].isdigit() or words[0] in _STREET_WORDS or " ".join(words[:2]) in _STREET_WORDS


@dataclass(frozen=True, slots=True)
class _Anchor:
    """Where the postcode and city sit: parts[start:stop], and a street written in the same part."""

    start: int
    stop: int
    city: str
    postcode: str | None = None
    street: str | None = None


def parse_location(text: str | None) -> LocationParts:
    """Split a one-line location into its parts; a line naming no city keeps it all as the name."""
    parts = [without_cedex(p) for p in _SEPARATORS.split((text or "").strip()) if p]
    department, region = _pop_trailers(parts)
    if not parts:
        return LocationParts()
    anchor = _find_postcode(parts) or _find_city(parts)
    if anchor is None:
        return LocationParts(name=", ".join(parts))
    city, hint = split_department_hint(anchor.city)
    rest = parts[: anchor.start] + ([anchor.street] if anchor.street else [])
    name, address = _name_and_address(rest)
    return LocationParts(name, address, anchor.postcode, city or None, hint or department, region)


def _pop_trailers(parts: list[str]) -> tuple[str | None, str | None]:
    """Drop the country, département and région ending a line ("…, Saint-Denis, La Réunion, France");
    the (département code, région) they name are hints for the city."""
    geo = geography()
    department = region = None
    while len(parts) > 1:
        last = parts[-1]
        if fold(last) in _COUNTRY:
            parts.pop()
            continue
        if geo.by_name(last) and not geo.by_name(split_department_hint(parts[-2])[0]):
            break  # "Salle X, Paris": the city, though also a département's name
        named_department, named_region = geo.department_named(last), geo.region_named(last)
        if named_department is None and named_region is None:
            break
        parts.pop()
        department = department or (named_department.code if named_department else None)
        region = region or named_region or (named_department.region if named_department else None)
    if len(parts) == 1 and fold(parts[0]) in _COUNTRY:
        parts.pop()
    return department, region


def _find_postcode(parts: list[str]) -> _Anchor | None:
    """The last part holding a postcode, with the city beside it."""
    for index in range(len(parts) - 1, -1, -1):
        part = parts[index]
        for pattern in (_POSTCODE_FIRST, _POSTCODE_LAST):
            match = pattern.match(part)
            if match:
                return _Anchor(index, index + 1, match.group("city"), match.group("postcode"))
        match = _POSTCODE_INSIDE.match(part)
        if match:  # "3 rue X 29200 Brest" written without a comma
            city, postcode, street = match.group("city", "postcode", "street")
            return _Anchor(index, index + 1, city, postcode, street)
        if _POSTCODE_ALONE.match(part):
            return _around_lone_postcode(parts, index)
    return None


def _around_lone_postcode(parts: list[str], index: int) -> _Anchor | None:
    """A postcode in its own part: the city is the part before it ("Nontron, 24300") or after."""
    if index > 0 and not looks_like_street(parts[index - 1]):
        return _Anchor(index - 1, index + 1, parts[index - 1], parts[index])
    if index + 1 < len(parts):
        return _Anchor(index, index + 2, parts[index + 1], parts[index])
    return None


def _find_city(parts: list[str]) -> _Anchor | None:
    """The last part when it names a commune ("Lille (59)", "Brest"), without any postcode."""
    city, hint = split_department_hint(parts[-1])
    if hint or geography().by_name(city):
        return _Anchor(len(parts) - 1, len(parts), parts[-1])
    return None


def _name_and_address(parts: list[str]) -> tuple[str | None, str | None]:
    """The venue's name is the first part unless it reads as a street; the rest is the address."""
    if not parts:
        return None, None
    if looks_like_street(parts[0]):
        return None, ", ".join(parts)
    return parts[0], ", ".join(parts[1:]) or None
