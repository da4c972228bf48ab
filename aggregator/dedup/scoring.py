"""Are two listings the same event? Vetoes first, then a score from title, time, place and links.

The verdict is a pure function of the two profiles: the same pair always gets the same answer, so
incremental runs and a rebuild agree.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from aggregator.dedup.profile import ONLINE, REGION_PREFIX, UNKNOWN, Profile, Timing
from aggregator.dedup.text import (
    DISTINCTIVE_WEIGHT,
    acronyms,
    antonyms_conflict,
    expand_acronym,
    numbering_conflicts,
    one_sided,
)

# A pair scoring this much is the same event.
SAME_EVENT = 0.62
# Starts within this many minutes are the same start; beyond TIME_TOLERANCE they are other events.
SAME_START = 30
TIME_TOLERANCE = 90
NEAR_KM = 0.5
FAR_KM = 15.0
WORD_SIMILARITY = 85  # rapidfuzz ratio for two spellings of one word ("cooperatif", "cooperative")
LINK_BONUS = 0.4  # one listing is, or links to, the other's page among many links
FEW_LINKS = 3  # a page linking to this many URLs at most is about the one it links to
NO_EVIDENCE = 0.3  # both titles have distinctive words and share none
NAMES_CONFLICT = 0.35  # each title names someone or somewhere the other does not
CITY_CONFLICT = 0.8  # two different towns
PART_OF = 0.4  # only one title speaks of an opening or a closing: a part of the event
VENUE_CONFLICT = 0.7  # two venues named nothing alike: "Repair Café" here is not "Repair Café" there
SAME_VENUE = 80  # rapidfuzz token-set ratio of two venue names
OTHER_VENUE = 40
ORGANIZER_CONFLICT = 0.2  # generic titles by organizers named nothing alike
GENERIC_TITLE = 0.7  # a title of generic words only says less, however well it matches
# Pairs scoring below this never share a cluster, however strongly each is tied to the others.
COMPATIBLE = 0.3


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer for one pair: ``same`` links them; ``veto`` says why they never can be."""

    same: bool
    score: float
    veto: str | None = None
    reason: str = ""


def veto(reason: str) -> Verdict:
    return Verdict(False, -math.inf, veto=reason, reason=reason)


def compare(a: Profile, b: Profile) -> Verdict:
    """The verdict on ``a`` and ``b`` (symmetric); the cheap checks first."""
    if a.id == b.id:
        return Verdict(True, math.inf, reason="same listing")
    reason = _veto(a, b)
    if reason:
        return veto(reason)
    time_score = _best_timing(a, b)
    if time_score is None:
        return veto("times apart")
    if a.oa_uid and a.oa_uid == b.oa_uid:
        return Verdict(True, 2.0, reason="same OpenAgenda event")
    linked = _linked(a, b)
    if not linked and not _anything_in_common(a, b):
        return Verdict(False, 0.0, reason="nothing in common")
    if numbering_conflicts(a.numbers, b.numbers):
        return veto("other edition")
    if antonyms_conflict(a.antonyms, b.antonyms):
        return veto("opposites")
    if linked and (len(a.links) <= FEW_LINKS and len(b.links) <= FEW_LINKS):
        return Verdict(True, 1.5, reason="one is the other's page")
    title = title_similarity(a, b)
    score = title.score + time_score + _place_score(a, b) + _organizer_score(a, b, title.generic)
    if linked:
        score += LINK_BONUS
    if not title.evidence:
        score -= NO_EVIDENCE
    if title.names_conflict:
        score -= NAMES_CONFLICT
    if one_sided(a.antonyms, b.antonyms):
        score -= PART_OF
    reason = f"title {title.score:.2f} time {time_score:+.2f}" + (" linked" if linked else "")
    return Verdict(score >= SAME_EVENT, score, reason=reason)


def _anything_in_common(a: Profile, b: Profile) -> bool:
    """A meaningful title word both share, or one title names the other's venue or organizer."""
    return bool(
        any(a.title[w] > 0 for w in a.title.keys() & b.title.keys())
        or a.title.keys() & b.mentions
        or b.title.keys() & a.mentions
    )


def common_ground(profile: Profile) -> set[str]:
    """Tokens two listings share whenever ``compare`` may find them the same event: meaningful title
    words, venue and organizer words, page URLs and the links to them, the OpenAgenda uid."""
    tokens = {f"w:{w}" for w, weight in profile.title.items() if weight > 0}
    tokens.update(f"w:{w}" for w in profile.mentions)
    tokens.update(f"u:{url}" for url in (profile.url, *profile.links) if url)
    if profile.oa_uid:
        tokens.add(f"oa:{profile.oa_uid}")
    return tokens


def _veto(a: Profile, b: Profile) -> str | None:
    if a.source_id == b.source_id and a.key != b.key and not (a.news or b.news):
        return "one source, two events"
    if not areas_meet(a, b):
        return "elsewhere"
    if not a.query_days & b.query_days:
        return "other days"
    return None


def areas_meet(a: Profile, b: Profile) -> bool:
    """Both in one département, or one online, or unknown places that do not contradict."""
    if a.area == ONLINE or b.area == ONLINE:
        return True
    if a.department and b.department:
        return a.department == b.department
    if a.city and b.city and a.city != b.city:
        return False
    if a.area == UNKNOWN or b.area == UNKNOWN:
        return True
    # one or both know only their région
    if a.area.startswith(REGION_PREFIX) or b.area.startswith(REGION_PREFIX):
        return a.region is not None and a.region == b.region
    return False


def _days_meet(x: Timing, y: Timing) -> bool:
    return x.first_day <= y.last_day and y.first_day <= x.last_day


def timing_score(x: Timing, y: Timing, lenient: bool) -> float | None:
    """How well two timings agree; None when they cannot be one occurrence."""
    if not _days_meet(x, y):
        return None
    if x.all_day or y.all_day:
        if x.all_day and y.all_day and (x.first_day, x.last_day) == (y.first_day, y.last_day):
            return 0.1
        return 0.0
    apart = min(abs((x.start - y.start).total_seconds()) / 60, abs(x.clock - y.clock))
    if apart <= SAME_START:
        same_end = x.end is not None and x.end == y.end
        return 0.15 + (0.05 if same_end else 0.0)
    if apart <= TIME_TOLERANCE:
        return 0.0
    return -0.3 if lenient else None


def _best_timing(a: Profile, b: Profile) -> float | None:
    """How well the best-agreeing timings agree (a postponed listing also has the day it left)."""
    lenient = a.news or b.news
    scores = [timing_score(x, y, lenient) for x in a.timings for y in b.timings]
    known = [score for score in scores if score is not None]
    return max(known) if known else None


@dataclass(frozen=True, slots=True)
class TitleMatch:
    score: float
    evidence: bool  # they share a distinctive word, or one title has none to share
    names_conflict: bool  # each names someone or somewhere the other does not
    generic: bool = False  # one title has no distinctive word


def _found(mine: Profile, theirs: Profile) -> tuple[set[str], set[str]]:
    """My words the other listing has (in its title, venue or organizer, or spelled a little
    differently), and its words that my acronyms stand for."""
    found = {w for w in mine.title if w in theirs.title}
    expanded: set[str] = set()
    rest = [w for w in theirs.title if w not in mine.title and len(w) >= 5]
    for word, weight in mine.title.items():
        if word in found or weight == 0:
            continue
        if word in theirs.mentions or _spelled_alike(word, rest):
            found.add(word)
        elif 2 <= len(word) <= 5 and word in acronyms(theirs.title_text):
            found.add(word)
            expanded |= expand_acronym(theirs.title_text, word) & theirs.title.keys()
    return found, expanded


def _spelled_alike(word: str, others: list[str]) -> bool:
    """The same word spelled a little differently ("cooperatif", "cooperative")."""
    if len(word) < 5 or not others:
        return False
    return process.extractOne(word, others, scorer=fuzz.ratio, score_cutoff=WORD_SIMILARITY) is not None


def title_similarity(a: Profile, b: Profile) -> TitleMatch:
    """Weighted word overlap: the mean of the Dice and of how much of one title the other covers."""
    found_a, expanded_b = _found(a, b)
    found_b, expanded_a = _found(b, a)
    matched_a, matched_b = found_a | expanded_a, found_b | expanded_b
    mass_a, mass_b = sum(a.title.values()), sum(b.title.values())
    if mass_a == 0 or mass_b == 0:
        return TitleMatch(0.0, False, False)
    got_a = sum(a.title[w] for w in matched_a)
    got_b = sum(b.title[w] for w in matched_b)
    dice = (got_a + got_b) / (mass_a + mass_b)
    cover = max(got_a / mass_a, got_b / mass_b)
    distinct_a = {w for w, weight in a.title.items() if weight >= DISTINCTIVE_WEIGHT}
    distinct_b = {w for w, weight in b.title.items() if weight >= DISTINCTIVE_WEIGHT}
    conflict = bool((a.names & distinct_a) - matched_a) and bool((b.names & distinct_b) - matched_b)
    if not distinct_a and not distinct_b:
        return TitleMatch(GENERIC_TITLE * (0.5 * dice + 0.5 * cover), True, conflict, generic=True)
    if not distinct_a or not distinct_b:
        # a generic title covers anything: only how much of the other one it has counts
        covered = got_b / mass_b if not distinct_a else got_a / mass_a
        return TitleMatch(GENERIC_TITLE * (0.5 * dice + 0.5 * covered), True, conflict, generic=True)
    # how much of the title with fewer distinctive words the other has
    fewer, matched = (distinct_a, matched_a)
    if len(distinct_b) < len(distinct_a):
        fewer, matched = distinct_b, matched_b
    distinct_cover = len(fewer & matched) / len(fewer)
    evidence = bool(distinct_a & matched_a) and bool(distinct_b & matched_b)
    return TitleMatch(0.4 * dice + 0.3 * cover + 0.3 * distinct_cover, evidence, conflict)


def _km(a: Profile, b: Profile) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    assert a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(1.0, h)))


def _place_score(a: Profile, b: Profile) -> float:
    if a.online != b.online:
        return -0.05
    distance = _km(a, b)
    if distance is not None and distance > FAR_KM:
        return -CITY_CONFLICT
    if a.city and b.city and a.city != b.city and (distance is None or distance > NEAR_KM * 4):
        return -CITY_CONFLICT
    score = 0.05 if a.city and a.city == b.city else 0.0
    near = distance is not None and distance <= NEAR_KM
    venues = fuzz.token_set_ratio(a.venue, b.venue) if a.venue and b.venue else None
    if near or (venues is not None and venues >= SAME_VENUE):
        score += 0.1
    elif venues is not None and venues < OTHER_VENUE and distance is None:
        score -= VENUE_CONFLICT
    return score


def _organizer_score(a: Profile, b: Profile, generic: bool) -> float:
    """Organizers named alike are a small plus; named nothing alike, a minus for generic titles."""
    if not (a.organizer and b.organizer):
        return 0.0
    similarity = fuzz.token_set_ratio(a.organizer, b.organizer)
    if similarity >= 85:
        return 0.05
    return -ORGANIZER_CONFLICT if generic and similarity < OTHER_VENUE else 0.0


def _linked(a: Profile, b: Profile) -> bool:
    """One listing is the other's page, or links to it."""
    return bool((a.url and (a.url == b.url or a.url in b.links)) or (b.url and b.url in a.links))
