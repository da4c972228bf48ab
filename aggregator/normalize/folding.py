"""Folding French text for matching: no accents, no case, no punctuation, "Saint" spelled "st"."""

from __future__ import annotations

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_NON_WORD = re.compile(r"[^a-z0-9]+")
_COMBINING = re.compile(r"[\u0300-\u036f]")  # the diacritics NFKD splits off Latin letters
# Official names write "Saint-", sources often "St-" or "St "; both fold to the short form.
_ABBREVIATIONS = {"saint": "st", "sainte": "ste", "saints": "sts", "saintes": "stes"}


def strip_accents(text: str) -> str:
    """``text`` without diacritics or ligatures, case kept."""
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text.translate(_LIGATURES)))


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces: "Villeneuve-d’Ascq" → "villeneuve d ascq"."""
    words = _NON_WORD.sub(" ", strip_accents(text).lower()).split()
    return " ".join(_ABBREVIATIONS.get(word, word) for word in words)
