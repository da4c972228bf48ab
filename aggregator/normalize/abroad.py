"""Places abroad: an address in Belgium, Switzerland, Canada, Mexico or the USA is not read as a
French one. Its postcode stays as written, its city is the city (not a state code), and no French
département or région is made up from its postcode's digits or the source's default région.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.folding import fold

# Country names as addresses end with them, folded.
COUNTRIES = {
    **dict.fromkeys(("belgique", "belgium", "belgie", "be"), "BE"),
    **dict.fromkeys(("suisse", "switzerland", "schweiz", "svizzera", "ch"), "CH"),
    **dict.fromkeys(("canada", "quebec", "qc"), "CA"),
    **dict.fromkeys(("mexique", "mexico"), "MX"),
    **dict.fromkeys(
        ("usa", "us", "etats unis", "etats-unis", "united states", "united states of america"), "US"
    ),
}
US_STATES = frozenset(
    [
        "AL",
        "AK",
        "AZ",
        "AR",
        "CA",
        "CO",
        "CT",
        "DE",
        "DC",
        "FL",
        "GA",
        "HI",
        "ID",
        "IL",
        "IN",
        "IA",
        "KS",
        "KY",
        "LA",
        "ME",
        "MD",
        "MA",
        "MI",
        "MN",
        "MS",
        "MO",
        "MT",
        "NE",
        "NV",
        "NH",
        "NJ",
        "NM",
        "NY",
        "NC",
        "ND",
        "OH",
        "OK",
        "OR",
        "PA",
        "RI",
        "SC",
        "SD",
        "TN",
        "TX",
        "UT",
        "VT",
        "VA",
        "WA",
        "WV",
        "WI",
        "WY",
        "PR",
    ]
)
# "…, Austin, TX 78701", "…, Austin TX 78701-1234" or "…, Wichita, KS, 67214".
_US_TAIL = re.compile(
    r"(?:^|,)\s*(?P<city>[^,\d]+?),?\s+(?P<state>[A-Z]{2}),?\s+(?P<zip>\d{5}(?:-\d{4})?)\s*$"
)
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
# Countries whose postcodes have four digits.
_FOUR_DIGIT_COUNTRIES = (None, "", "BE", "CH")
# A Canadian postcode: "H2X 1Y4".
_CA_POSTCODE = re.compile(r"\b(?P<zip>[A-Z]\d[A-Z]\s?\d[A-Z]\d)\b")
# Four digits and a city, either way round ("1000 Bruxelles", "Bruxelles 1000"): Belgium, Switzerland.
_FOUR_DIGITS = re.compile(
    r"(?:^|,)\s*(?:(?P<zip1>\d{4})\s+(?P<city1>[^,\d]+?)|(?P<city2>[^,\d]+?)\s+(?P<zip2>\d{4}))\s*$"
)
_TRAILING_COUNTRY = re.compile(r"[,\s]*([^,]+?)\s*$")


def foreign_place(
    fields: Mapping[str, Any], source_abroad: bool = False
) -> tuple[str, str | None, str | None] | None:
    """(country code or "", postcode, city) of a place abroad, or None for one in France (or unknown).
    A source abroad (``source_abroad``) places abroad whatever says no country, its postcode included."""
    stated = COUNTRIES.get(fold(str(fields.get("country") or "")).strip()) or _us_state(fields)
    if stated and _text(fields.get("city")):  # structured fields say it all
        return stated, _text(fields.get("postcode")), _text(fields.get("city"))
    lines = [str(fields.get(name) or "") for name in ("address", "location_name", "city")]
    for line in filter(None, (line.strip() for line in lines)):
        text, country = _without_country(line)
        country = stated or country
        us = _US_TAIL.search(text)
        if us and us.group("state") in US_STATES:
            return "US", us.group("zip"), us.group("city").strip()
        canadian = _CA_POSTCODE.search(text)
        if canadian and country in (None, "CA"):
            return (
                "CA",
                canadian.group("zip"),
                _city_before(text, canadian.start()) or _text(fields.get("city")),
            )
        four = _FOUR_DIGITS.search(text)
        if four and country in _FOUR_DIGIT_COUNTRIES and (country or not re.search(r"\d{5}", line)):
            postcode = four.group("zip1") or four.group("zip2")
            city = (four.group("city1") or four.group("city2") or "").strip()
            if country or _FOUR_DIGIT_COUNTRY_HINT.search(fold(line)):
                return country or "", postcode, city
        if country:
            return country, _text(fields.get("postcode")), _text(fields.get("city")) or _last_part(text)
    if stated or source_abroad:
        return stated or "", _text(fields.get("postcode")), _text(fields.get("city"))
    return None


# Cities whose four-digit postcodes are common in French-language announcements.
_FOUR_DIGIT_COUNTRY_HINT = re.compile(
    r"\b(bruxelles|brussel|liege|namur|charleroi|mons|louvain|tournai|geneve|lausanne|neuchatel|fribourg|sion|bienne)\b"
)


def _us_state(fields: Mapping[str, Any]) -> str | None:
    """ "US" for a place given a US state as its region and a ZIP code as its postcode."""
    state = str(fields.get("region") or "").strip().upper()
    zip_code = str(fields.get("postcode") or "").strip()
    return "US" if state in US_STATES and _US_ZIP.fullmatch(zip_code) else None


def _without_country(line: str) -> tuple[str, str | None]:
    """The line without a trailing country name, and that country's code."""
    parts = [p.strip() for p in line.split(",")]
    if len(parts) > 1 and fold(parts[-1]) in COUNTRIES:
        return ", ".join(parts[:-1]), COUNTRIES[fold(parts[-1])]
    return line, None


def _city_before(text: str, end: int) -> str | None:
    """The part before a postcode, a province code ("Montréal, QC H2X 3K9") left out."""
    parts = [
        p.strip() for p in text[:end].split(",") if p.strip() and not re.fullmatch(r"[A-Z]{2}", p.strip())
    ]
    return parts[-1] if parts else None


def _last_part(text: str) -> str | None:
    parts = [p.strip() for p in text.split(",") if p.strip() and not re.fullmatch(r"[\d\s-]+", p.strip())]
    return parts[-1] if parts else None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None
