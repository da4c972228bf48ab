"""Places as French event announcements write them.

In prose: "à Logonna-Daoulas (29)", "au CESAM, 3 rue Jean XXIII à Dijon", "à l'Hôtel de Région,
283 avenue du Général Patton, 35000 Rennes", "dans la halle des sports de l'UBO, à Brest". In an agenda
field: "Maison de la vie associative, 72-74 rue Royale, 59000 Lille", "Lille (59)", "En ligne", split
by the one rule for one-line places (aggregator.normalize.location_line), which iCal's LOCATION
goes through too. Only what is written is returned: a postcode is never guessed from a city.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from aggregator.normalize import location_line

_UPPER = "A-ZÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ"
_NAME_WORD = rf"[{_UPPER}][\w'’]*(?:[-‑][\w'’]+)*"
# "Saint-Brieuc", "Villeneuve-d'Ascq", "Le Mans", "La Roche-sur-Yon", "Saint Brieuc".
_CITY = rf"(?:(?:Le|La|Les|L['’]\s?)\s?)?(?:(?:Saint|Sainte|St|Ste)\.?\s(?={_NAME_WORD}))?{_NAME_WORD}"
_DEPARTMENT = r"(?:0[1-9]|[1-8]\d|9[0-5]|2[AB]|97[1-6])"
_POSTCODE_CITY = re.compile(rf"(?<!\d)(?P<postcode>\d{{5}})\s+(?P<city>{_CITY})")
_CITY_DEPARTMENT = re.compile(rf"(?P<city>{_CITY})\s*\((?P<department>{_DEPARTMENT})\)")
# "à Brest", but not "à Rennes Métropole" nor "à Quimper-Cornouaille" cut short.
_AT_CITY = re.compile(rf"(?<!\w)(?:à|a)\s+(?P<city>{_CITY})(?![\w'’‑-]|\s+[{_UPPER}])")
_STREET_TYPES = (
    r"rue|avenue|av\.|bd|boulevard|place|allée|allee|chemin|impasse|quai|cours|route|square|esplanade"
    r"|parvis|passage|rond-point|faubourg|mail|promenade|voie|ruelle|sentier|lieu-dit|zone|ZA|ZI|ZAC"
)
_ADDRESS = re.compile(
    rf"(?P<address>(?:\d+(?:\s?[-–]\s?\d+)?(?:\s?(?:bis|ter))?,?\s+)?(?<![\w-])(?:{_STREET_TYPES})\s+[^,;:()\n.·]+?)"
    rf"(?=\s*(?:[,;:()\n·]|\.(?:\s|$)|\s(?:à|a)\s|$|\s\d{{5}}\s))",
    re.IGNORECASE,
)
_INTRODUCER = re.compile(
    r"(?:^|\s)(?:(?:aux|au|à\s+la|chez|dans\s+(?:la|le|les))\s+|(?:à|a|dans)\s+l['’]\s*)", re.IGNORECASE
)
_NAME_HEADS = re.compile(r"^(?:salle|espace|maison|centre|halle|hôtel|hotel|théâtre|cinéma|la\s|le\s)", re.I)
_ONLINE = re.compile(
    r"\b(?:webinaires?|webinars?|visio(?:conférence|-conférence)?s?|web-?conférences?|distanciel"
    r"|100\s?%\s?en\s?ligne|à\s+distance)\b|(?<!inscription\s)(?<!inscriptions\s)\ben\s+ligne\b",
    re.IGNORECASE,
)
_NOT_CITIES = {"Noël", "Pâques", "Madame", "Monsieur", "Internet", "La", "Le", "Les", "Toussaint"}
MAX_NAME_WORDS = 10


@dataclass(frozen=True)
class Place:
    """Where an event happens, as written; ``department`` only when written ("(29)")."""

    location_name: str | None = None
    address: str | None = None
    postcode: str | None = None
    city: str | None = None
    department: str | None = None
    online: bool = False

    def __bool__(self) -> bool:
        return self.online or any((self.location_name, self.address, self.city, self.postcode))


@dataclass(frozen=True)
class _Anchor:
    start: int
    end: int
    city: str | None
    postcode: str | None = None
    department: str | None = None


def is_online(text: str) -> bool:
    """Whether the words say the event happens online ("webinaire", "en ligne", "visio")."""
    return bool(_ONLINE.search(text))


def _city(name: str) -> str | None:
    name = name.strip()
    if name in _NOT_CITIES or (name.isupper() and len(name) > 1) or len(name) < 2:
        return None
    return name


def _anchors(text: str) -> list[_Anchor]:
    """Every written city: "35000 Rennes", "Rennes (35)", "à Rennes", "(…, Dijon)", in order."""
    found: list[_Anchor] = []
    for match in _POSTCODE_CITY.finditer(text):
        city = _city(match["city"])
        found.append(_Anchor(match.start(), match.end(), city, postcode=match["postcode"]))
    for match in _CITY_DEPARTMENT.finditer(text):
        city = _city(match["city"])
        if city:
            found.append(_Anchor(match.start(), match.end(), city, department=match["department"]))
    for match in _AT_CITY.finditer(text):
        city = _city(match["city"])
        if city:
            found.append(_Anchor(match.start("city"), match.end(), city))
    for match in re.finditer(rf"\([^()]*,\s*(?P<city>{_CITY})\s*\)", text):
        city = _city(match["city"])
        if city and _ADDRESS.search(match.group()):
            found.append(_Anchor(match.start(), match.end(), city))
    found.sort(key=lambda a: (a.start, -(a.end - a.start)))
    kept: list[_Anchor] = []
    for anchor in found:
        if kept and anchor.start < kept[-1].end:
            continue
        kept.append(anchor)
    return kept


def _address(text: str) -> re.Match[str] | None:
    match = _ADDRESS.search(text)
    if match is None:
        return None
    words = match["address"].split()
    return match if len(words) <= 12 else None


def _venue(segment: str) -> str | None:
    """The venue named just before an address or a city: "au CESAM", "dans la halle des sports"."""
    pieces = [p.strip(" \u00a0\u202f–—-") for p in re.split(r"[,(]", segment)]
    for piece in reversed(pieces):
        # The last introducer: "Il aura lieu au CESAM" → "CESAM".
        introduced = next(reversed(list(_INTRODUCER.finditer(piece))), None)
        name = piece[introduced.end() :] if introduced else piece
        name = re.sub(r"\s+(?:à|a)$", "", name.strip(" ."))
        if not name or re.fullmatch(r"(?:à|a|au|aux)", name, re.IGNORECASE):
            continue
        if not introduced and not _NAME_HEADS.match(name):
            return None
        if len(name.split()) > MAX_NAME_WORDS or re.search(r"[.!?:;«»]", name):
            return None
        return name
    return None


def find_place(text: str) -> Place:
    """The place written in a clause of prose, or an empty Place."""
    anchors = _anchors(text)
    address = _address(text)
    if not anchors:
        if address is None:
            return Place(online=is_online(text))
        return Place(address=_clean(address["address"]), location_name=_venue(text[: address.start()]))
    anchor = anchors[0]
    if address is not None and address.start() > anchor.end:
        address = None  # an address after the city belongs to something else
    venue_end = address.start() if address is not None else anchor.start
    return Place(
        location_name=_venue(text[:venue_end]),
        address=_clean(address["address"]) if address is not None else None,
        postcode=anchor.postcode,
        city=anchor.city,
        department=anchor.department,
    )


def parse_location(text: str) -> Place:
    """A place from an agenda's location field ("Maison de la vie associative, 72-74 rue Royale,
    59000 Lille", "Lille (59)", "En ligne"), split by the one rule for one-line places
    (aggregator.normalize.location_line)."""
    text = " ".join(text.split())
    if not text:
        return Place()
    if is_online(text) and not _POSTCODE_CITY.search(text):
        return Place(online=True)
    parts = location_line.parse_location(text)
    return Place(parts.name, parts.address, parts.postcode, parts.city, parts.department_hint)


def _clean(value: str) -> str:
    return " ".join(value.split()).strip(" ,")
