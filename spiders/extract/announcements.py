"""Whether a French news post announces an event, and which: its date, time and place.

Precision beats recall: a recap, a bilan, a newsletter digest, a job offer, a call for projects with a
deadline, or a post whose only dates are past or ambiguous announces nothing. The cues are the words
around each date (announcement vs. deadline or past tense), the title, and the dates themselves
relative to the publication date (an event before its own announcement is a recap).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from spiders.extract.french_dates import DateMatch, When, combine, find_dates, find_times, times_near
from spiders.extract.french_places import Place, find_place, is_online

# Posts that report, recruit or call for applications: no event, whatever dates they quote.
NOT_EVENT_TITLE = re.compile(
    r"compte[s]?[-\s]rendus?|\bCR\b|retour\s+sur|retour\s+en\s+images|en\s+images|\bbilan|rétrospective"
    r"|c['’]était|replay|revivez|merci\s+à|\brésultats\b|lauréats?\b|offres?\s+d['’]emploi|\brecrute"
    r"|recrutement|offre\s+de\s+stage|appels?\s+à\s+(?:projets|candidatures|manifestation)|\bAMI\b"
    r"|lettre\s+d['’]info|newsletter|au\s+sommaire|chiffres[\s-]clés",
    re.IGNORECASE,
)
# Words before a date that make it a deadline, not an event.
DEADLINE = re.compile(
    r"avant\s+(?:le\s+)?$|jusqu['’](?:au|à)\s*$|au\s+plus\s+tard|date\s+limite|clôture|\blimite\b"
    r"|échéance|dépôt|candidatures?|dossiers?\s+(?:à|de)|postuler|fixée?\s+au",
    re.IGNORECASE,
)
# Past tense: the sentence reports what happened.
PAST = re.compile(
    r"s['’]est\s+(?:tenue?|déroulée?|achevée?|clôturée?)|a\s+eu\s+lieu|ont\s+eu\s+lieu|avait\s+lieu"
    r"|\bétai(?:t|ent)\b|a\s+réuni|ont\s+réuni|a\s+rassemblé|ont\s+participé|ont\s+pu|sont\s+parus?"
    r"|est\s+parue?|a\s+été|ont\s+été|publiée?s?\s+le|parue?s?\s+le|mise?\s+en\s+ligne\s+le"
    r"|\bderni(?:er|ère)\b|merci\s+(?:à|aux|pour)",
    re.IGNORECASE,
)
ANNOUNCE = re.compile(
    r"aura\s+lieu|auront\s+lieu|se\s+tiendr(?:a|ont)|se\s+déroulera|se\s+dérouleront|\borganis(?:e|ent|era)\b"
    r"|\binvit(?:e|ons|ent)\b|\bvenez\b|rejoignez|participez|inscri|save\s+the\s+date|rendez-vous|\brdv\b"
    r"|\bprévue?s?\b|attendue?s?\b|\bsera\b|\bseront\b|accueill(?:e|era)\b|propos(?:e|ons|era)\b|ouvr(?:e|ira)"
    r"|rencontres?\b|ateliers?\b|forum|conférence|webinaire|réunion|journée|soirée|salon\b|festival"
    r"|formation|visite|assemblée\s+générale|inauguration|table[-\s]ronde|café|petit[-\s]déjeuner"
    r"|apéro|portes\s+ouvertes|remise|temps\s+fort|év[éè]nement|manifestation|programme",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?…])\s+(?=[^a-zà-ÿ\s])|\n+")
_DEADLINE_WINDOW = 60


@dataclass(frozen=True)
class Announcement:
    """An event a post announces: when, where, and the sentence that says so."""

    when: When
    place: Place
    sentence: str


@dataclass(frozen=True)
class _Candidate:
    days: DateMatch
    when: When
    place: Place
    sentence: str
    in_title: bool


def sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]


def is_not_event_post(title: str, categories: list[str] | None = None) -> bool:
    """A recap, a bilan, a job offer, a call for projects or a newsletter, by its title or category."""
    return bool(NOT_EVENT_TITLE.search(" · ".join([title, *(categories or [])])))


def _qualifies(sentence: str, days: DateMatch, published: date, in_title: bool, title: str) -> bool:
    """A date that announces an event: not past, not a deadline, said in words of announcement."""
    if days.past or days.last < published:
        return False
    before = sentence[max(0, days.span[0] - _DEADLINE_WINDOW) : days.span[0]]
    if DEADLINE.search(before) or PAST.search(sentence):
        return False
    return in_title or bool(ANNOUNCE.search(sentence)) or bool(ANNOUNCE.search(title))


def _place(sentence: str, days: DateMatch, title: str) -> Place:
    """The place in the clause after the date, else anywhere in the sentence, else in the title."""
    for text in (sentence[days.span[1] :], sentence, title):
        place = find_place(text)
        if place.city or place.postcode or place.address:
            return place
    online = is_online(sentence) or is_online(title)
    return Place(online=online)


def _candidates(parts: list[str], published: date, title: str, in_title: bool) -> list[_Candidate]:
    found: list[_Candidate] = []
    for index, sentence in enumerate(parts):
        for days in find_dates(sentence, published):
            if not _qualifies(sentence, days, published, in_title, title):
                continue
            hours = times_near(sentence, days)
            if hours is None and index + 1 < len(parts) and not find_dates(parts[index + 1], published):
                following = [t for t in find_times(parts[index + 1]) if t.introduced]
                hours = following[0] if following else None
            when = combine(days, hours)
            found.append(_Candidate(days, when, _place(sentence, days, title), sentence, in_title))
    return found


def _same_days(a: DateMatch, b: DateMatch) -> bool:
    return (a.first, a.last) == (b.first, b.last)


def _best(candidates: list[_Candidate]) -> _Candidate:
    """Of candidates for the same days, the one with times, then the one with a place."""
    timed = [c for c in candidates if not c.when.all_day] or candidates
    chosen = timed[0]
    if not chosen.place:
        placed = [c for c in candidates if c.place]
        if placed:
            chosen = replace(chosen, place=placed[0].place)
    return chosen


def find_announced_event(
    title: str, body: str, published: date, categories: list[str] | None = None
) -> Announcement | None:
    """The one event a post announces, or None (no event, or several and no telling which)."""
    if is_not_event_post(title, categories):
        return None
    in_title = _candidates([title], published, title, in_title=True)
    in_body = _candidates(sentences(body), published, title, in_title=False)
    if in_title:
        target = in_title[0].days
        same = [c for c in in_body if _same_days(c.days, target)] or in_title
    else:
        distinct = {(c.days.first, c.days.last) for c in in_body}
        if len(distinct) != 1:
            return None
        same = in_body
    chosen = _best(same)
    place = chosen.place
    if not place and in_title and in_title[0].place:
        place = in_title[0].place
    return Announcement(chosen.when, place, chosen.sentence)
