"""Folding French text for matching: no accents, no case; ``fold`` also drops punctuation and spells
"Saint" "st"."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_LIGATURE = re.compile("[œŒæÆß]")
_NON_WORD = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")  # the diacritics NFKD splits off Latin letters
# Official names write "Saint-", sources often "St-" or "St "; both fold to the short form:
# saint → st, sainte → ste, saints → sts, saintes → stes.
_SAINT = re.compile(r"\bsaint(e?s?)\b")


def _short_saint(match: re.Match[str]) -> str:
    return "st" + match[1]


def strip_accents(text: str) -> str:
    """``text`` without diacritics or ligatures, case kept."""
    text = _COMBINING.sub("", unicodedata.normalize("NFKD", text))
    # NFKD leaves "œ" whole; a translation table is slow, so only where one is.
    return text.translate(_LIGATURES) if _LIGATURE.search(text) else text


def lower_unaccented(text: str) -> str:
    """``text`` in lower case without diacritics or ligatures, punctuation and spacing kept: what
    patterns written in plain lower-case French read ("Févr." → "fevr.")."""
    return (text if text.isascii() else strip_accents(text)).lower()


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Villeneuve-d’Ascq" → "villeneuve d ascq"."""
    if not text.isascii():
        text = strip_accents(text)
    folded = _NON_WORD.sub(" ", text.lower()).strip()
    if "saint" in folded:
        folded = _SAINT.sub(_short_saint, folded)
    return folded
