"""The ESS agenda's category vocabulary, and how a listing's categories are read from its source.

``Listing.categories`` and ``Event.categories`` hold French labels from :data:`CATEGORIES`, in the
vocabulary's order; each label has a stable ASCII slug for URLs and facets (:data:`BY_SLUG`). The
source's own categories stay in ``Listing.raw``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from core.folding import fold


@dataclass(frozen=True, slots=True)
class Category:
    """One facet: slug for URLs, label as stored and shown, patterns over folded text."""

    slug: str
    label: str
    patterns: tuple[str, ...]
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # One alternation per category: every listing is matched against the whole vocabulary.
        object.__setattr__(self, "pattern", re.compile(rf"\b(?:{'|'.join(self.patterns)})\b"))

    def matches(self, folded: str) -> bool:
        return self.pattern.search(folded) is not None


MOIS_ESS = "Mois de l'ESS"

# Patterns read folded text (lower-case ASCII, words separated by one space, "saint" as "st").
CATEGORIES: tuple[Category, ...] = (
    Category("mois-ess", MOIS_ESS, (r"mois (?:de l )?ess", r"moisdeless", r"moisess")),
    Category("atelier", "Atelier", (r"ateliers?", r"workshops?")),
    Category("forum", "Forum", (r"forums?",)),
    Category(
        "conference",
        "Conférence / table ronde",
        (r"conferences?", r"tables? rondes?", r"colloques?", r"debats?", r"seminaires?"),
    ),
    Category("formation", "Formation", (r"formations?", r"se former", r"mooc")),
    Category(
        "rencontre",
        "Rencontre / réseau",
        (
            r"rencontres?",
            r"reseau(?:x|tage)?",
            r"networking",
            r"afterworks?",
            r"aperos?",
            r"petits? dejeuners?",
            r"matinales?",
        ),
    ),
    Category(
        "salon-marche",
        "Salon / marché",
        (
            r"salons?",
            r"foires?",
            r"braderies?",
            r"vide greniers?",
            # Folded, "marche" is also a walk: a market is named by what it sells, or accented.
            r"marches? (?:de noel|de producteurs|des createurs|artisanal|paysan|bio|solidaire de noel)",
        ),
    ),
    Category(
        "portes-ouvertes",
        "Portes ouvertes",
        (r"portes? ouvertes?", r"visites?", r"journees? decouvertes?"),
    ),
    Category("assemblee-generale", "Assemblée générale", (r"assemblees? generales?",)),
    Category("webinaire", "Webinaire", (r"webinaires?", r"webinars?", r"visioconferences?")),
    Category(
        "fete-festival",
        "Fête / festival",
        (r"fetes?", r"festivals?", r"festivites?", r"kermesses?", r"guinguettes?"),
    ),
    Category("permanence", "Permanence", (r"permanences?",)),
)
BY_SLUG = {c.slug: c for c in CATEGORIES}
BY_LABEL = {c.label: c for c in CATEGORIES}

# "marché" with its accent is a market; a bare "marche" (a walk) is not.
_MARKET = re.compile(r"\bmarchés?\b", re.IGNORECASE)
# Abbreviations that only count in capitals: "AG", "AGO", "AGE".
_GENERAL_ASSEMBLY = re.compile(r"\bAG[OE]?\b")
# Said in a description only this explicitly: "dans le cadre du Mois de l'ESS".
_MOIS_ESS_FRAME = re.compile(r"\b(?:dans le cadre|a l occasion|labell?ise) d[ue]s? mois (?:de l )?ess\b")


def categorize(
    title: str | None, source_categories: Iterable[str] = (), description: str | None = None
) -> list[str]:
    """The vocabulary's labels that the title, the source's categories and keywords call for."""
    texts = [t for t in (title, *source_categories) if t]
    folded = " | ".join(fold(t) for t in texts)
    found = {c.label for c in CATEGORIES if c.matches(folded)}
    if any(_MARKET.search(t) for t in texts):
        found.add("Salon / marché")
    if any(_GENERAL_ASSEMBLY.search(t) for t in texts):
        found.add("Assemblée générale")
    if description and _MOIS_ESS_FRAME.search(fold(description)):
        found.add(MOIS_ESS)
    return [c.label for c in CATEGORIES if c.label in found]
