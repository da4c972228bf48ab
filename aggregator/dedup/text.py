"""Titles as dedup sees them: folded words, how much each word says, edition numbers, antonyms.

Word weights are a fixed vocabulary rather than frequencies over the live corpus: a weight that moved
with every crawl would let the same two listings match today and not tomorrow, and a rebuild could
not reproduce the clusters that incremental runs built.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from core.folding import lower_unaccented

_WORD = re.compile(r"[a-z0-9]+")
_RAW_WORD = re.compile(r"[^\W_]+")
_SEGMENT = re.compile(r"(\s[:–—|»«\[\]()\-]\s|[:–—|«»\[\]()!?.])")
_SEGMENT_BREAK = re.compile(r"[:–—|«»\[\]()!?.\-]")
_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'"})


def _vocabulary(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that end in s or x in the singular too.
INVARIABLE = _vocabulary(
    """
    mois pays temps fois prix corps avis bois gens repas concours cours parcours discours secours
    acces proces succes progres paris mars tous sous tres apres puis depuis plus alors chez vers
    dans sans jamais toujours ailleurs londres nimes reims tours vannes vaux epinay anglais francais
    relais recours croix noix voix choix paix perdrix heureux joyeux vieux mieux
    """
)

# Words that carry no meaning of their own.
STOPWORDS = _vocabulary(
    """
    a au aux avec ce ces cet cette chez d dans de des du en et l la le les leur leurs ma mes mon n
    nos notre ou par pour qu que qui s sa se ses son sur ta te ton un une vos votre y
    the of and for to in on at with
    est sont sera seront etre avoir aura ont on nous vous il ils elle elles
    """
)

# Words of the calendar: dates are compared on their own, so "28 novembre" in a title adds nothing.
CALENDAR_WORDS = _vocabulary(
    """
    janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
    janv fev avr juil sept oct nov dec
    lundi mardi mercredi jeudi vendredi samedi dimanche
    h heure heures min er eme ere demain aujourd hui prochain prochaine prochains prochaines
    matin apres midi soir date dates jour jours semaine mois
    annule annulee annules annulees annulation reporte reportee reportes reportees report complet
    maintenu maintenue nouvelle nouveau
    """
)

# Abbreviations newsletters use, spelled out.
ABBREVIATIONS = {
    "rdv": ("rendez", "vous"),
    "ag": ("assemblee", "generale"),
    "asso": ("association",),
    "assos": ("associations",),
    "st": ("saint",),
    "ste": ("sainte",),
    "cine": ("cinema",),
    "expo": ("exposition",),
    "conf": ("conference",),
    "pdj": ("petit", "dejeuner"),
    "dej": ("dejeuner",),
}

# The field's everyday vocabulary: shared by countless unrelated events, so it weighs little.
GENERIC_WORDS = _vocabulary(
    """
    ess economie economique sociale social sociaux solidaire solidaires solidarite
    atelier forum rencontre conference table ronde debat soiree journee matinee matinale
    rendez vous rdv evenement edition programme presentation decouverte visite formation
    webinaire webinar visio ligne distanciel permanence salon marche fete festival session
    porte ouverte assemblee generale ag temps fort acteur actrice reseau collectif
    projet territoire territorial territoriaux local locale citoyen citoyenne association
    structure entreprise dirigeant benevole benevolat public publique cafe petit dejeuner
    collectivite initiative lancement save inscription inscrire gratuit venez rejoignez
    participez invitation agenda retrouvez arrive lieu grand grande nouveau nouvelle
    mois cress chambre regionale regional national nationale france seminaire colloque congres
    universite assise semaine concert projection cine film apero aperitif repas balade sortie
    animation stand exposition expo spectacle jeu soiree rendez ouvert ouverture parcours cycle
    session club groupe echange echanges comment quoi pourquoi faire mieux
    """
)

# Names of régions and of the most quoted areas: where an event happens is compared on its own.
PLACE_WORDS = _vocabulary(
    """
    bretagne normandie occitanie provence alpes cote azur corse bourgogne franche comte hauts
    est aquitaine auvergne rhone pays loire centre val ile guadeloupe martinique guyane reunion
    mayotte saint sainte metropole agglomeration departement region regions
    finistere morbihan armor ille vilaine nord pas calais oise somme aisne dordogne perigord
    vert cote or doubs jura gironde herault isere savoie
    """
)

STOPWORD_WEIGHT = 0.0
GENERIC_WEIGHT = 0.25
PLACE_WEIGHT = 0.2
DISTINCTIVE_WEIGHT = 1.0

_ORDINAL_WORDS = {
    "premier": 1, "premiere": 1, "deuxieme": 2, "second": 2, "seconde": 2, "troisieme": 3,
    "quatrieme": 4, "cinquieme": 5, "sixieme": 6, "septieme": 7, "huitieme": 8, "neuvieme": 9,
    "dixieme": 10, "onzieme": 11, "douzieme": 12, "treizieme": 13, "quatorzieme": 14,
    "quinzieme": 15, "seizieme": 16, "vingtieme": 20,
}  # fmt: skip
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}
_EDITION_NOUNS = (
    r"edition|editions|rencontres?|forum|journees?|assises|salon|festival|fete|biennale|universites?"
    r"|trophees?|prix|semaine|mois|congres|colloque|sommet|etats generaux|nuit"
)
_ORDINAL_SUFFIX = r"(?:e|eme|emes|es|er|ere|eres|nd|nde|nds|ndes)"
_EDITION = re.compile(
    rf"\b(?P<num>\d{{1,3}}){_ORDINAL_SUFFIX}\s+(?:{_EDITION_NOUNS})\b"
    rf"|\b(?P<word>{'|'.join(_ORDINAL_WORDS)})s?\s+(?:{_EDITION_NOUNS})\b"
    r"|\bedition\s+(?:n\s*|no\s*|#\s*)?(?P<after>\d{1,3})\b"
)
_PART = re.compile(
    r"\b(?P<kind>session|partie|module|jour|seance|episode|volet|acte|niveau|cycle|saison|etape|chapitre)"
    r"\s*(?:n\s*|no\s*|#\s*)?(?P<num>\d{1,3}|i{1,3}|iv|vi{0,3}|ix|x)\b"
    r"|(?:#|\bn\s*o?\s*)(?P<hash>\d{1,3})\b"
)

# Two events of one series that are opposites of each other: the opening is not the closing.
ANTONYMS = (
    (frozenset({"ouverture", "inauguration", "lancement", "demarrage"}), frozenset({"cloture", "fermeture"})),
    (frozenset({"aller"}), frozenset({"retour"})),
    (
        frozenset({"initiation", "debutant", "debutants"}),
        frozenset({"perfectionnement", "confirme", "confirmes"}),
    ),
)


def straight_apostrophes(text: str) -> str:
    """``text`` with its curly and backquote apostrophes written ``'``."""
    return text.translate(_APOSTROPHES)


@lru_cache(maxsize=65536)
def words(text: str | None) -> tuple[str, ...]:
    """The folded words of ``text``, in order, abbreviations spelled out."""
    found: list[str] = []
    for word in _WORD.findall(lower_unaccented(text or "")):
        found.extend(ABBREVIATIONS.get(word, (word,)))
    return tuple(found)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light French stem: plurals fold onto singulars ("ateliers", "rencontres", "sociaux")."""
    if len(word) <= 3 or word in INVARIABLE or word.endswith("ss"):
        return word
    if word.endswith("aux") and not word.endswith("eaux"):
        return word[:-3] + "al"
    if word[-1] in "sx":
        return word[:-1]
    return word


_SILENT = frozenset(map(stem, STOPWORDS | CALENDAR_WORDS | set(_ORDINAL_WORDS)))
_GENERIC = frozenset(map(stem, GENERIC_WORDS))
_PLACES = frozenset(map(stem, PLACE_WORDS))
_ANTONYMS = tuple((frozenset(map(stem, one)), frozenset(map(stem, other))) for one, other in ANTONYMS)


def _is_number(word: str) -> bool:
    return word.isdigit() or bool(re.fullmatch(r"\d+(?:h\d*|e|eme|er|ere|es|emes|nd|nde)?", word))


@lru_cache(maxsize=65536)
def word_weight(word: str) -> float:
    """How much one stemmed word tells of which event a title names."""
    if word in _SILENT or _is_number(word):
        return STOPWORD_WEIGHT
    if word in _GENERIC or len(word) <= 2:
        return GENERIC_WEIGHT
    if word in _PLACES:
        return PLACE_WEIGHT
    return DISTINCTIVE_WEIGHT


def weighted_words(
    title: str, place_words: Iterable[str] = (), capitals: Iterable[str] = ()
) -> dict[str, float]:
    """Each distinct stemmed word of ``title`` with its weight; ``place_words`` weigh as places.

    A short word written in capitals (see ``capitalized``) is an acronym ("CV", "DLA") and weighs in
    full.
    """
    local = {stem(w) for w in place_words}
    upper = {stem(w) for w in capitals}
    weights: dict[str, float] = {}
    for word in words(title):
        stemmed = stem(word)
        weight = word_weight(stemmed)
        if stemmed in upper and weight == GENERIC_WEIGHT and stemmed not in _GENERIC:
            weight = DISTINCTIVE_WEIGHT
        if stemmed in local and weight > PLACE_WEIGHT:
            weight = PLACE_WEIGHT
        weights[stemmed] = max(weight, weights.get(stemmed, 0.0))
    return weights


_ACRONYM = re.compile(r"\b[^\W\d_a-zà-ÿ]{2,}\b")


def acronyms_in(title: str) -> list[str]:
    """Folded words a title writes all in capitals ("CV", "DLA")."""
    return [w for token in _ACRONYM.findall(title) if token.isupper() for w in words(token)]


def capitalized(title: str) -> tuple[list[str], list[str]]:
    """Folded words a title capitalizes where French would not: (proper names, acronyms).

    A segment's first word is capitalized anyway and names nothing; a word all in capitals is an
    acronym wherever it stands.
    """
    names: list[str] = []
    upper: list[str] = []
    segment_start = True
    for token in _SEGMENT.split(straight_apostrophes(title)):
        if not token.strip():
            continue
        if _SEGMENT_BREAK.fullmatch(token.strip()):
            segment_start = True
            continue
        for word in _RAW_WORD.findall(token):
            if len(word) >= 2 and word.isupper() and word.isalpha():
                upper.extend(words(word))
                names.extend(words(word))
            elif not segment_start and word[0].isupper():
                names.extend(words(word))
            segment_start = False
    return names, upper


def _runs(title: str) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Runs of two to five words, with and without the small ones, and their initials."""
    every = words(title)
    for sequence in (every, tuple(w for w in every if w not in STOPWORDS)):
        for start in range(len(sequence) - 1):
            initials = sequence[start][0]
            for end in range(start + 1, min(start + 5, len(sequence))):
                initials += sequence[end][0]
                yield initials, sequence[start : end + 1]


@lru_cache(maxsize=4096)
def acronyms(title: str) -> frozenset[str]:
    """The initials of a title's runs of words ("Île-de-France" → "idf", "if", …)."""
    return frozenset(initials for initials, _ in _runs(title))


def expand_acronym(title: str, acronym: str) -> frozenset[str]:
    """The stemmed words of ``title`` that ``acronym`` stands for."""
    found: set[str] = set()
    for initials, run in _runs(title):
        if initials == acronym:
            found.update(map(stem, run))
    return frozenset(found)


def _number(value: str) -> int:
    return int(value) if value.isdigit() else _ROMAN.get(value, 0)


def numbering(title: str) -> frozenset[tuple[str, int]]:
    """Edition and part numbers a title states: {("edition", 3), ("session", 2)}."""
    text = " ".join(words(title))
    found: set[tuple[str, int]] = set()
    for match in _EDITION.finditer(text):
        if match["num"]:
            found.add(("edition", int(match["num"])))
        elif match["word"]:
            found.add(("edition", _ORDINAL_WORDS[match["word"]]))
        elif match["after"]:
            found.add(("edition", int(match["after"])))
    for match in _PART.finditer(text):
        if match["kind"]:
            found.add((match["kind"], _number(match["num"])))
        else:
            found.add(("number", int(match["hash"])))
    return frozenset(found)


def numbering_conflicts(a: frozenset[tuple[str, int]], b: frozenset[tuple[str, int]]) -> bool:
    """Both titles number the same thing, differently ("2e édition" / "3e édition")."""
    kinds_a = {kind for kind, _ in a}
    return any(kind in kinds_a and (kind, number) not in a for kind, number in b)


def antonym_sides(stems: Iterable[str]) -> frozenset[tuple[int, int]]:
    """Which side of which antonym pair a title's words stand on: {(pair index, 0 or 1)}."""
    present = set(stems)
    sides = set()
    for index, pair in enumerate(_ANTONYMS):
        for side, group in enumerate(pair):
            if present & group:
                sides.add((index, side))
    return frozenset(sides)


def one_sided(a: frozenset[tuple[int, int]], b: frozenset[tuple[int, int]]) -> bool:
    """Only one title speaks of an opening or a closing: a part of the event, not the event."""
    pairs_a = {index for index, _ in a}
    pairs_b = {index for index, _ in b}
    return pairs_a != pairs_b


def antonyms_conflict(a: frozenset[tuple[int, int]], b: frozenset[tuple[int, int]]) -> bool:
    """One title stands on one side of a pair, the other on the opposite side only."""
    for index, side in a:
        if (index, 1 - side) in b and (index, side) not in b and (index, 1 - side) not in a:
            return True
    return False
