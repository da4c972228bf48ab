"""Online events: a source's flag, or words saying so in the location or the title."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from core.folding import fold, lower_unaccented

# In a location field these words leave no doubt; a postcode beside them means a real place too.
_ONLINE_PLACE = re.compile(
    r"\b(en ligne|online|internet|webinaires?|webinars?|visio(conference)?s?|distanciel|a distance"
    r"|zoom|teams|jitsi|google meet|classe virtuelle)\b"
)
# In a title only unambiguous words count, and "en ligne" only set apart ("(en ligne)", "– en ligne"):
# "vendre en ligne" names a topic, not the event's form.
_ONLINE_TITLE = re.compile(r"\b(webinaires?|webinars?|visio(conference)?s?|en visio|distanciel)\b")
_ONLINE_TITLE_APART = re.compile(r"(^|[(\[«:–—|]|\s-)\s*(100\s*%\s*)?en ligne\s*($|[)\]»:–—|]|-\s)")
_HYBRID = re.compile(r"\b(hybride|presentiel)\b")
_POSTCODE = re.compile(r"\b\d{5}\b")
PLACE_FIELDS = ("location_name", "address", "city")


def is_online_place(text: str | None) -> bool:
    """True for "En ligne", "Visioconférence (Zoom)", "Webinaire"; False for a street address."""
    if not text or _POSTCODE.search(text):
        return False
    folded = fold(text)
    return bool(_ONLINE_PLACE.search(folded)) and not _HYBRID.search(folded)


def is_online_title(title: str | None) -> bool:
    """True for "Webinaire : …", "Atelier (en ligne)"; False for "Vendre en ligne" or hybrids."""
    if not title:
        return False
    folded = fold(title)
    if _HYBRID.search(folded):
        return False
    if _ONLINE_TITLE.search(folded):
        return True
    return bool(_ONLINE_TITLE_APART.search(lower_unaccented(title)))


def is_online(fields: Mapping[str, Any]) -> bool:
    """The source says so, every place field it gives says so, or the title does and no place is given."""
    if fields.get("online"):
        return True
    given = [str(fields[name]) for name in PLACE_FIELDS if fields.get(name)]
    if fields.get("postcode") or fields.get("insee"):
        return False
    if given:
        return all(is_online_place(text) for text in given)
    return is_online_title(fields.get("title"))
