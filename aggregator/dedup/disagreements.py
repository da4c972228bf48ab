"""Where the sources of an event disagree on its times or its place: what each says, which value the
event took, and what decided it (merge.py's rules, applied the same way)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aggregator.dedup.merge import Choice, Member, active_members, place_choice, time_choice
from aggregator.dedup.precedence import Role
from aggregator.dedup.profile import build_profile
from aggregator.models import Event, Listing

TIMES = "times"
PLACE = "place"


@dataclass(frozen=True)
class Voice:
    """One listing's value: ``chosen`` the one the event took, ``agrees`` one giving the same."""

    listing: Listing
    source_name: str
    role: Role
    chosen: bool
    agrees: bool


@dataclass(frozen=True)
class Disagreement:
    """A field group the active sources give different values of, each source's, best first."""

    group: str
    reason: str
    voices: tuple[Voice, ...]


def disagreements(members: Sequence[Member]) -> list[Disagreement]:
    """The field groups (times, then place) on which the event's active listings disagree."""
    active = active_members(members)
    found = []
    for group, choice in ((TIMES, time_choice(active)), (PLACE, place_choice(active))):
        if choice is not None and choice.reason is not None:
            found.append(Disagreement(group, choice.reason, _voices(choice)))
    return found


def event_disagreements(event: Event) -> list[Disagreement]:
    """The disagreements between the sources of a stored event, its listings loaded as they are."""
    members = [Member(listing, build_profile(listing, listing.source)) for listing in event.listings]
    return disagreements(members) if members else []


def _voices(choice: Choice) -> tuple[Voice, ...]:
    rivals = {id(member) for member in choice.rivals}
    return tuple(
        Voice(
            listing=member.listing,
            source_name=member.profile.source_name,
            role=member.profile.role,
            chosen=member is choice.chosen,
            agrees=id(member) not in rivals,
        )
        for member in choice.candidates
    )
