"""An event's status: cancelled or postponed from the source's structured status or its title's words.

"Complet" (fully booked) is not a cancellation, and neither is a description's cancellation policy
("annulation gratuite jusqu'à 48 h"): a description counts only when it opens by saying so.
"""

from __future__ import annotations

import re
from typing import Any

from core.folding import fold
from core.status import CANCELLED, CONFIRMED, POSTPONED

# Structured statuses as sources write them: iCal STATUS, schema.org eventStatus, OpenAgenda codes.
_STRUCTURED = {
    "cancelled": CANCELLED,
    "canceled": CANCELLED,
    "eventcancelled": CANCELLED,
    "annule": CANCELLED,
    "annulee": CANCELLED,
    "postponed": POSTPONED,
    "eventpostponed": POSTPONED,
    "reporte": POSTPONED,
    "reportee": POSTPONED,
    "confirmed": CONFIRMED,
    "scheduled": CONFIRMED,
    "eventscheduled": CONFIRMED,
    "eventrescheduled": CONFIRMED,  # it happens, at the date now given
    "eventmovedonline": CONFIRMED,
    "tentative": CONFIRMED,
}
# OpenAgenda v2 ``status``: 1 scheduled, 2 rescheduled, 3 moved online, 4 postponed, 5 full, 6 cancelled.
_OPENAGENDA = {1: CONFIRMED, 2: CONFIRMED, 3: CONFIRMED, 4: POSTPONED, 5: CONFIRMED, 6: CANCELLED}

_NEGATED = r"(?<!\bnon )(?<!\bpas )(?<!\bjamais )"
_CANCEL = re.compile(_NEGATED + r"\b(annulee?s?|annule|annulation|cancell?ed)\b(?! gratuite)")
_POSTPONE = re.compile(_NEGATED + r"\b(reportee?s?|reporte|postponed|report a une date ulterieure)\b")
# Postponed to a date it gives ("reporté au 17 décembre", "reportée au lundi 4"): it happens then.
_MONTHS = "janvier|fevrier|mars|avril|mai|juin|juillet|aout|septembre|octobre|novembre|decembre"
_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
_RESCHEDULED = re.compile(
    rf"\breportee?s? (?:au|a|le|du|jusqu au) (?:(?:{_DAYS}) )?(?:\d{{1,2}}(?:er)?\b|(?:{_MONTHS})\b)"
)
# How a description opens when it announces a cancellation: "ANNULÉ –", "Cet atelier est annulé".
_OPENING = re.compile(
    r"^(?:(?:annulee?s?|annule|cancell?ed|reportee?s?|reporte|postponed)\b"
    r"|(?:cet|cette|l|le|la|ce)\b[^.!?]{0,60}?\best (?:annulee?|reportee?)\b(?! en cas| si ))"
)


def status_from_source(value: Any) -> str | None:
    """The status a source's structured field states, or None when it says nothing we know."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return _OPENAGENDA.get(value)
    key = fold(str(value).rsplit("/", 1)[-1]).replace(" ", "")
    return _STRUCTURED.get(key)


def status_from_text(*texts: str | None) -> str:
    """Cancelled or postponed when a title's words say so, word by word; else confirmed. Postponed
    to a date the words give is confirmed: the event happens at that date."""
    folded = " | ".join(fold(t) for t in texts if t)
    if _CANCEL.search(folded):
        return CANCELLED
    if _POSTPONE.search(_RESCHEDULED.sub(" ", folded)):
        return POSTPONED
    return CONFIRMED


def status_from_description(description: str | None) -> str:
    """Cancelled or postponed only when the description opens by announcing it."""
    opening = fold((description or "")[:200])
    match = _OPENING.match(opening)
    if not match or _RESCHEDULED.match(opening, match.start()):
        return CONFIRMED
    return POSTPONED if "report" in match.group(0) or "postponed" in match.group(0) else CANCELLED


def event_status(structured: Any, title: str | None, description: str | None = None) -> str:
    """Structured cancellation or postponement first, then the title's words, then the description's."""
    stated = status_from_source(structured)
    if stated in (CANCELLED, POSTPONED):
        return stated
    for status in (status_from_text(title), status_from_description(description)):
        if status != CONFIRMED:
            return status
    return CONFIRMED
