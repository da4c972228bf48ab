"""The cue words of French announcements: an announcement, a deadline, a report in the past tense,
a post titled as a report; and a text's sentences. The classifier (spiders.extract.verdicts) reads
them as features among others.
"""

from __future__ import annotations

import re

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
# A sentence ends at a stop followed by a capital or a digit, but not after an abbreviated weekday or
# month ("Sam. 5/12", "déc. 2026").
_SENTENCE = re.compile(
    r"(?<=[.!?…])(?<!\b(?i:lun|mar|mer|jeu|ven|sam|dim|avr|oct|nov|déc|dec)\.)(?<!\b(?i:janv|févr|fevr|juil|sept)\.)"
    r"\s+(?=[^a-zà-ÿ\s])|\n+"
)


def sentences(text: str) -> list[str]:
    """Sentences of a text, paragraph by paragraph."""
    return [s.strip() for s in _SENTENCE.split(text) if s and s.strip()]
