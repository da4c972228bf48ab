"""Candidate events of a document: each date a block gives, with its times, title, place and context.

Every date is a candidate, whatever the document is (a newsletter, a programme, a flyer); the
classifier (spiders.extract.verdicts) then judges each on its own words. The same days mentioned
twice in one document are one candidate, with the most precise fields of both mentions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from spiders.extract.announcements import sentences
from spiders.extract.documents import HEADING, ROW, Block, Document
from spiders.extract.french_dates import (
    DateMatch,
    TimeMatch,
    When,
    combine,
    find_dates,
    find_times,
    times_near,
)
from spiders.extract.french_places import Place, find_place, is_online, parse_location

# Where a title comes from, most trusted first.
TITLE_SOURCES = ("row", "strong", "heading", "sentence", "document")
# Section headings that name no event.
_GENERIC_HEADING = re.compile(
    r"^(?:agenda|au programme|programme|et aussi|à noter|a noter|actualités?|en bref|vie d[ue]s?\s|"
    r"retour sur|appels?\s|les rendez-vous|nos rendez-vous|prochains? rendez-vous|au national|"
    r"en région|édito|sommaire|toute l['’]année|de \w+ à \w+|informations pratiques|contact)",
    re.IGNORECASE,
)
_EVENT_NOUN = (
    r"(?:journées?|rencontres?|forum|ateliers?|webinaires?|soirée|matinale|conférence|réunion|"
    r"assemblée générale|petit-déjeuner|apéro|café|visite|formation|festival|salon|fête|marché|"
    r"séminaire|colloque|table ronde|ciné-débat|projection|permanence|village|semaine|24\s?h|"
    r"repair café|disco-soupe|inauguration|lancement|portes ouvertes|comité|jury|session)"
)
# "une journée de restitution réservée aux…", "le Forum de l’ESS de Guadeloupe se tiendra…".
_SENTENCE_NAME = re.compile(
    rf"\b(?P<name>{_EVENT_NOUN}\b[^,.;:!?()]*?)(?=\s+(?:le|les|du|des|à|au|aux|en|se|sera|aura|auront|"
    rf"réservée?s?|organisée?s?|qui|sur|pour|avec|dont|a|ont|est|sont)\b|[,.;:!?()]|$)",
    re.IGNORECASE,
)
_LEAD_PUNCTUATION = " \t·|–—-:,.;📅🗓"
_NOISE = re.compile(r"^(?:annul[ée]e?s?\*?|complet|nouveau|gratuit|save the date)\W*$", re.IGNORECASE)
# Where a title's clause ends: its audience, its host, or its place ("… à la Maison de l’ESS").
_CLAUSE_END = re.compile(
    r"\s(?:pour|avec|suivie?|animée?|sur|au|à\s+la|en\s+ligne|en\s+visio\w*)\s|\sà\s+l['’]|\sen\s+visio\w*$"
)
_TRAILING_NOISE = re.compile(r"\s+(?:annul[ée]e?s?|complet|reporté)\W*$", re.IGNORECASE)
_PARIS_TIME = re.compile(r"heure\s+de\s+(?:Paris|métropole|l['’]Hexagone)", re.IGNORECASE)


@dataclass(frozen=True)
class Candidate:
    """A date found in a document, and what the document says with it."""

    days: DateMatch
    when: When
    title: str
    title_source: str
    place: Place
    sentence: str
    block: Block
    document: Document
    struck: bool = False
    timezone: str | None = None
    in_title: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.days.first.isoformat(), self.days.last.isoformat())

    def item_fields(self) -> dict[str, Any]:
        """The EventItem fields the candidate itself gives: its title, times and place."""
        when, place = self.when, self.place
        return {
            "title": self.title,
            "start": when.start,
            "end": when.end,
            "all_day": when.all_day,
            "timezone": self.timezone,
            "location_name": place.location_name,
            "address": place.address,
            "postcode": place.postcode,
            "city": place.city,
            "department": place.department,
            "online": place.online,
        }


def find_candidates(document: Document) -> list[Candidate]:
    """Every dated candidate of ``document``, one per distinct days, in document order."""
    default_place = _stated_place(document)
    found: list[Candidate] = []
    title_block = Block(HEADING, document.title, -1)
    found.extend(_from_sentence(document, title_block, document.title, [], default_place, in_title=True))
    for block in document.blocks:
        if block.kind == ROW:
            found.extend(_from_row(document, block))
            continue
        parts = sentences(block.text)
        after = _lines_after(document, block)
        for index, sentence in enumerate(parts):
            rest = parts[:index] + parts[index + 1 :] + after
            following = parts[index + 1] if index + 1 < len(parts) else (after[0] if after else "")
            found.extend(_from_sentence(document, block, sentence, rest, default_place, following=following))
    return merge_same_days(found)


def _lines_after(document: Document, block: Block) -> list[str]:
    """On a flyer, the short undated blocks after a short dated one: its time, then its place."""
    if document.kind != "pdf" or len(block.text.split()) > 12:
        return []
    lines: list[str] = []
    for following in document.blocks[block.index + 1 : block.index + 3]:
        if find_dates(following.text, document.published):
            break
        lines.extend(sentences(following.text))
    return lines


def merge_same_days(found: list[Candidate]) -> list[Candidate]:
    """One candidate per distinct days: the first mention, completed by the others."""
    merged: dict[tuple[str, str], Candidate] = {}
    for candidate in found:
        kept = merged.get(candidate.key)
        merged[candidate.key] = candidate if kept is None else _completed(kept, candidate)
    return list(merged.values())


def _completed(kept: Candidate, other: Candidate) -> Candidate:
    """``kept`` with the times, place and title ``other`` gives more precisely."""
    when = kept.when
    if other.when.all_day is False and (when.all_day or (when.end is None and other.when.end is not None)):
        when = other.when
    place = kept.place
    if _precision(other.place) > _precision(place):
        place = other.place
    title, source = kept.title, kept.title_source
    if TITLE_SOURCES.index(other.title_source) < TITLE_SOURCES.index(source):
        title, source = other.title, other.title_source
    base = other if kept.in_title and not other.in_title else kept
    return replace(
        base,
        when=when,
        place=place,
        title=title,
        title_source=source,
        struck=kept.struck or other.struck,
        timezone=kept.timezone or other.timezone,
        in_title=kept.in_title or other.in_title,
    )


def _precision(place: Place) -> int:
    return sum(bool(v) for v in (place.address, place.postcode, place.city, place.location_name)) + (
        1 if place.online else 0
    )


# -- prose ----------------------------------------------------------------------------------------


def _from_sentence(
    document: Document,
    block: Block,
    sentence: str,
    rest: list[str],
    default_place: Place,
    following: str = "",
    in_title: bool = False,
) -> list[Candidate]:
    found = []
    for days in find_dates(sentence, document.published):
        hours = times_near(sentence, days)
        if hours is None and following and not find_dates(following, document.published):
            introduced = [t for t in find_times(following) if t.introduced]
            hours = introduced[0] if introduced else None
        title, source = _title(document, block, sentence, days)
        found.append(
            Candidate(
                days=days,
                when=combine(days, hours),
                title=title,
                title_source=source,
                place=_place(sentence, days, block, rest, default_place, document.title),
                sentence=sentence,
                block=block,
                document=document,
                struck=any(_date_text(sentence, days) in s for s in block.struck),
                timezone="Europe/Paris" if _PARIS_TIME.search(sentence) else None,
                in_title=in_title,
            )
        )
    return found


def _date_text(text: str, days: DateMatch) -> str:
    return text[days.span[0] : days.span[1]].strip()


def _place(
    sentence: str, days: DateMatch, block: Block, rest: list[str], default: Place, title: str
) -> Place:
    """The place after the date, else in its sentence, else in its block, else the document's."""
    online = is_online(sentence)
    for text in (sentence[days.span[1] :], sentence, *rest):
        place = find_place(text)
        if not (place.city or place.address) and text in rest and len(text.split()) <= 8:
            place = parse_location(
                text
            )  # a flyer's or agenda box's place line: "Halle de l’Albinque, Castres"
        if place.city or place.postcode or place.address:
            return place
        if is_online(text) and len(rest) <= 3:
            online = True
    if online:
        return Place(online=True)
    if default:
        return default
    place = find_place(title)
    return place if place.city else Place()


def _stated_place(document: Document) -> Place:
    """A place stated once for the whole page before its first date ("elles ont lieu au Grenier, …")."""
    for block in document.blocks:
        if find_dates(block.text, document.published):
            return Place()
        if re.search(r"\bont lieu\b|se déroulent|sauf mention contraire", block.text, re.IGNORECASE):
            place = find_place(block.text)
            if place.city or place.address:
                return place
    return Place()


# -- titles ---------------------------------------------------------------------------------------


def _title(document: Document, block: Block, sentence: str, days: DateMatch) -> tuple[str, str]:
    date_text = _date_text(sentence, days)
    for span in block.strong:
        if find_dates(span, document.published):
            if not date_text or date_text not in span:
                continue
            remainder = _without_dates(span, document)
            if len(remainder.split()) >= 2 and not _is_place(remainder):
                return _tidy(remainder), "strong"
            # "Sam. 5/12 — 14h30-17h : atelier couture" names its event after its hours.
            rest = _without_dates(block.text[len(span) :], document)
            after = _first_clause(rest) if block.text.startswith(span) else ""
            if not remainder and after:
                return _tidy(after), "strong"
        elif (block.text.startswith(span) or span in sentence) and _good_strong(span):
            return _tidy(span), "strong"
    if _specific_heading(block, document):
        return _tidy(block.heading), "heading"
    match = _SENTENCE_NAME.search(sentence)
    if match and len(match["name"].split()) >= 2:
        return _tidy(match["name"]), "sentence"
    return _tidy(document.title), "document"


def _specific_heading(block: Block, document: Document) -> bool:
    """A heading that names the block's event: not a section ("Agenda", "Et aussi"), not a date."""
    heading = block.heading
    if block.kind == HEADING or not heading or _GENERIC_HEADING.search(heading):
        return False
    return not find_dates(heading, document.published)


def _good_strong(span: str) -> bool:
    words = span.split()
    return 2 <= len(words) <= 14 and not _NOISE.match(span) and not span.rstrip().endswith("!")


def _is_place(text: str) -> bool:
    place = find_place(text)
    return bool(place.address or place.postcode) or text.lower().startswith(("en ligne", "salle "))


def _without_dates(text: str, document: Document) -> str:
    """``text`` without its dates and times: "Jeudi 28 janvier · 18h – 20h Soirée …" → "Soirée …"."""
    spans = [m.span for m in find_dates(text, document.published)]
    spans += [t.span for t in find_times(text)]
    for start, end in sorted(spans, reverse=True):
        text = text[:start] + " " + text[end:]
    text = re.sub(r"^\W*(?:(?:le|les|du|de|dès|à|a|au)\s+)+", "", text.strip(_LEAD_PUNCTUATION))
    return " ".join(text.split()).strip(_LEAD_PUNCTUATION)


def _first_clause(text: str) -> str:
    """The first clause of ``text``, guillemets kept whole: "atelier « A : b » pour les enfants…"."""
    depth = 0
    text = text.strip(_LEAD_PUNCTUATION + " ")
    for index, char in enumerate(text):
        if char == "«":
            depth += 1
        elif char == "»":
            depth = max(depth - 1, 0)
        elif depth == 0 and (char in ".:;,(!?" or _CLAUSE_END.match(text, index)):
            return text[:index].strip()
    return text.strip()


def _tidy(title: str) -> str:
    title = _TRAILING_NOISE.sub("", " ".join(title.split())).strip(" .:;,–—-*")
    return title[:1].upper() + title[1:] if title else title


# -- table rows -----------------------------------------------------------------------------------


def _from_row(document: Document, block: Block) -> list[Candidate]:
    """A programme table's row: a date cell, a time cell, a title cell, a place cell."""
    cells = [c for c in block.cells if c]
    days: DateMatch | None = None
    hours: TimeMatch | None = None
    used: set[int] = set()
    for index, cell in enumerate(cells):
        if days is None:
            found = find_dates(cell, document.published, loose=True)
            if found:
                days, used = found[0], used | {index}
                hours = times_near(cell, days)
                continue
        if hours is None and days is not None:
            times = find_times(_ranges(cell))
            if times and len(_without_times(cell)) < 4:
                hours, used = times[0], used | {index}
    if days is None:
        return []
    rest = [c for i, c in enumerate(cells) if i not in used]
    place = Place()
    for cell in reversed(rest):
        candidate = parse_location(cell)
        if candidate.online or candidate.city or candidate.address:
            place, used = candidate, used | {cells.index(cell)}
            break
    named = [c for i, c in enumerate(cells) if i not in used]
    strong = [s for s in block.strong if _good_strong(s)]
    title = strong[0] if strong else (_first_clause(named[0]) if named else document.title)
    struck = bool(block.struck) and any(cells[i] in block.struck for i in used if i < len(cells))
    return [
        Candidate(
            days=DateMatch(days.first, days.last, (0, 0), days.explicit_year, days.past),
            when=combine(days, hours),
            title=_tidy(title),
            title_source="row",
            place=place,
            sentence=block.text,
            block=block,
            document=document,
            struck=struck or bool(block.struck and cells and cells[0] in block.struck),
        )
    ]


def _ranges(text: str) -> str:
    """Time ranges written with arrows: "10h00 > 11h00", "9h30 › 17h"."""
    return re.sub(r"\s*[>›→]\s*", " – ", text)


def _without_times(text: str) -> str:
    for hours in reversed(find_times(_ranges(text))):
        text = _ranges(text)[: hours.span[0]] + _ranges(text)[hours.span[1] :]
    return text.strip(" –-àde")
