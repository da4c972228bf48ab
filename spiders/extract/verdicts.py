"""Event or not, for each candidate of a document: a logistic model over the candidate's own words.

The features (``features``) read the sentence around the date (tense and mood, cue words of an
announcement, a deadline, a report, a job, opening hours, a publication), the date against the
document's publication date, whether a time and a place come with it, where it stands in the document
and what its title and section say. Their weights are learned on the labelled set kept in
``bench/labelled`` by ``python -m bench.learn_verdicts``, which writes ``verdict_weights.json`` here;
the threshold is set there for precision first.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from spiders.extract.announcements import ANNOUNCE, DEADLINE, PAST
from spiders.extract.candidates import Candidate

WEIGHTS_FILE = Path(__file__).with_name("verdict_weights.json")

_FUTURE = re.compile(
    r"\b(?:aura|auront|sera|seront|se\s+tiendra|se\s+tiendront|réunira|accueillera|proposera|organisera"
    r"|présenteront|retrouvent|donnons\s+rendez-vous|invitent|invitons|vous\s+attend)\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"\bpourrai(?:t|ent)\b|\bserai(?:t|ent)\b|\bsi\s+le\s+nombre|selon\s+les\s+demandes|éventuellement"
    r"|sous\s+réserve|à\s+confirmer|envisag",
    re.IGNORECASE,
)
_JOB = re.compile(
    r"\bcontrat\b|\bposte\b|\bCDI\b|\bCDD\b|recrut|candidat|service\s+civique|\bmission\b|prise\s+de\s+poste"
    r"|à\s+compter\s+du|entretiens?\b|\bvolontaire|\bstage\b|embauche",
    re.IGNORECASE,
)
_RECURRING = re.compile(
    r"\btous\s+les\b|\bchaque\b|\ble\s+(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)\s+et\b"
    r"|\bhoraires\b|\bouverte?s?\s+(?:le|du|de)\b|\bdu\s+mois\b|\bheures\s+d['’]ouverture",
    re.IGNORECASE,
)
_PUBLICATION = re.compile(
    r"\bpubliée?s?\b|\bparue?s?\b|mise?\s+à\s+jour|mise?\s+en\s+ligne|\bédition\s+de\s+la\s+lettre",
    re.IGNORECASE,
)
_INTERNAL = re.compile(
    r"\bjury\b|délibér|réservée?s?\s+aux|convocation|comité\s+de\s+(?:sélection|pilotage)|lauréats\s+seront"
    r"|\bclasses\s+inscrites",
    re.IGNORECASE,
)
_REPORT_SECTION = re.compile(
    r"retour\s+sur|compte[s]?[-\s]rendus?|\bbilan|rétrospective|en\s+images|c['’]était|appels?\s+à"
    r"|offres?\s+d['’]emploi|recrute|recrutement|lauréats?|résultats|chiffres|portrait",
    re.IGNORECASE,
)
_REGISTRATION = re.compile(r"inscri|entrée\s+libre|gratuit|réserv(?:ez|ation)|programme", re.IGNORECASE)
_EVENT_WORDS = re.compile(
    r"journée|rencontre|forum|atelier|webinaire|soirée|matinale|conférence|réunion|petit-déjeuner"
    r"|apéro|café|visite|formation|festival|salon|fête|marché|séminaire|colloque|table\s+ronde"
    r"|ciné|projection|village|semaine|lancement|assemblée|disco|repair",
    re.IGNORECASE,
)
_DEADLINE_AFTER = re.compile(r"^\W{0,3}(?:à\s+\d+\s*h\s*\d*\s*)?(?:au\s+plus\s+tard|dernier\s+délai)", re.I)
_WINDOW = 60
_LEAD = re.compile(r"jusqu['’](?:au|à)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Verdict:
    """The model's judgement of one candidate."""

    event: bool
    probability: float
    reasons: tuple[str, ...]  # the features that weighed most, signed


def features(candidate: Candidate) -> dict[str, float]:
    """The candidate's features, each 0..1; names are the keys of the weights file."""
    sentence = candidate.sentence
    start, end = candidate.days.span
    before = sentence[max(0, start - _WINDOW) : start] if end else sentence
    lead = _LEAD.match(sentence[start:end]) if end else None
    before += lead.group() if lead else ""  # "jusqu’au" read as the date's own first word
    after = sentence[end : end + 40] if end else ""
    published = candidate.document.published
    ahead = (candidate.days.first - published).days
    place = candidate.place
    section = " ".join((candidate.block.heading, candidate.title))
    blocks = max(len(candidate.document.blocks), 1)
    return {
        "past_words": float(bool(PAST.search(sentence))),
        "future_words": float(bool(_FUTURE.search(sentence))),
        "announce_words": float(bool(ANNOUNCE.search(sentence))),
        "deadline_words": float(bool(DEADLINE.search(before) or _DEADLINE_AFTER.search(after))),
        "conditional": float(bool(_CONDITIONAL.search(sentence))),
        "job_words": float(bool(_JOB.search(sentence))),
        "recurring_words": float(bool(_RECURRING.search(sentence))),
        "publication_words": float(bool(_PUBLICATION.search(before + " " + after))),
        "internal_words": float(bool(_INTERNAL.search(sentence))),
        "registration_words": float(bool(_REGISTRATION.search(candidate.block.text))),
        "before_publication": float(candidate.days.last < published),
        "said_past": float(candidate.days.past),
        "days_ahead": max(0.0, min(ahead, 180)) / 180,
        "far_ahead": float(ahead > 240),
        "long_period": float((candidate.days.last - candidate.days.first).days > 4),
        "has_time": float(not candidate.when.all_day),
        "has_end_time": float(not candidate.when.all_day and candidate.when.end is not None),
        "has_place": float(bool(place.city or place.address or place.location_name)),
        "online": float(place.online),
        "in_title": float(candidate.in_title),
        "title_from_layout": float(candidate.title_source in ("row", "strong", "heading")),
        "title_event_words": float(bool(_EVENT_WORDS.search(candidate.title))),
        "sentence_event_words": float(bool(_EVENT_WORDS.search(sentence))),
        "report_section": float(bool(_REPORT_SECTION.search(section))),
        "report_document": float(bool(_REPORT_SECTION.search(candidate.document.title))),
        "position": min(max(candidate.block.index, 0) / blocks, 1.0),
        "struck": float(candidate.struck),
        "table_row": float(candidate.title_source == "row"),
    }


@dataclass(frozen=True)
class Model:
    weights: dict[str, float]
    bias: float
    threshold: float

    def probability(self, values: dict[str, float]) -> float:
        score = self.bias + sum(self.weights.get(name, 0.0) * value for name, value in values.items())
        return 1 / (1 + math.exp(-max(min(score, 30), -30)))


@lru_cache(maxsize=1)
def model() -> Model:
    data = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    return Model(data["weights"], data["bias"], data["threshold"])


def judge(candidate: Candidate, using: Model | None = None) -> Verdict:
    """Whether ``candidate`` is an event, with the features that weighed most."""
    chosen = using or model()
    values = features(candidate)
    probability = chosen.probability(values)
    weighed = sorted(
        ((chosen.weights.get(n, 0.0) * v, n) for n, v in values.items() if v),
        key=lambda pair: -abs(pair[0]),
    )
    reasons = tuple(f"{'+' if w > 0 else '-'}{name}" for w, name in weighed[:4])
    return Verdict(probability >= chosen.threshold, round(probability, 3), reasons)
