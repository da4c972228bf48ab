"""An agenda read by its shape: repeated blocks with a date badge, each linking to its event's page.

Portals without a feed show their agenda as cards: a badge ("FÉV. / 04", "NOV. 18", "18 | NOV.",
``<time datetime>``), a linked title, sometimes a place ("Marseille (13)"). ``agenda_cards`` finds
them (no network): a badge is a short element whose text is one day and month; its card is the
largest ancestor holding no other badge, with a link to a page of the site; cards sharing a parent
are one block. A news block dated the same way carries publication dates, not events: a block is an
agenda only when its words say so (its heading, its classes, its links' paths, its "voir tout" link).
A badge without a year is read against the reference day (the clock unless pinned).

``event_details`` reads an event's own page from its labelled lines ("Date :", "Horaires :",
"Lieu :"), which carry the year, the hours and the address the badge leaves out.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from lxml import html as lxml_html
from lxml.etree import ParserError, _Element

from core.folding import lower_unaccented
from core.text import clean_line, html_to_text
from spiders.extract.french_dates import When, combine, find_dates, parse_field_dates, times_near
from spiders.extract.french_places import Place, parse_location
from spiders.extract.links import canonical_url, same_site, web_url

MAX_BADGE_CHARS = 24  # "MARS 16 au 18", "jeu. 04 févr. 2027"
MIN_CARDS = 2  # a block is repeated cards; a lone dated link is a news item as often as not

_FRAME_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "script", "style", "noscript"})
_HEADINGS = ("h1", "h2", "h3", "h4")
# Words in a block's heading, classes, link paths or "voir tout" link, folded (no accents).
_AGENDA_WORDS = re.compile(
    r"agenda|evenement|event|evenements|calendrier|rendez|manifestation|a[ -]venir|prochain|sortie|rencontre"
)
_NEWS_WORDS = re.compile(r"actu|news|blog|article|post|breve|communique|presse|temoignage|publication")
_MORE = re.compile(r"\b(voir|tout|tous|toutes|plus|complet|suite|consulter)\b")
_PLACE_CLASS = re.compile(r"lieu|place|locat|ville|city|where", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?P<label>[^\W\d][^:\n]{0,28}?)\s*:\s*(?P<value>\S.*)$", re.MULTILINE)
_DATE_LABELS = ("date", "dates", "quand", "le", "jour", "date et heure", "date et horaires")
_TIME_LABELS = ("horaire", "horaires", "heure", "heures", "a quelle heure")
_PLACE_LABELS = ("lieu", "lieux", "adresse", "ou", "localisation", "salle")
_ORGANIZER_LABELS = ("organisateur", "organisatrice", "organisation", "organise par", "porteur")


@dataclass(frozen=True)
class Card:
    """One card of an agenda block: its event's title, page, badge date and place as shown."""

    title: str
    url: str
    when: When | None
    place: Place


@dataclass(frozen=True)
class Details:
    """What an event's page says in its labelled lines."""

    when: When | None
    place: Place
    date_text: str
    organizer: str | None = None


def agenda_cards(html: str, base_url: str, reference: date) -> tuple[list[Card], list[str]]:
    """The cards of the page's agenda blocks, in page order, and the pages listing more of them."""
    root = _parse(html)
    if root is None:
        return [], []
    badges = [node for node in root.iter() if isinstance(node.tag, str) and _is_badge(node, reference)]
    holding: dict[_Element, int] = {}  # badges under each element
    for badge in badges:
        for ancestor in badge.iterancestors():
            holding[ancestor] = holding.get(ancestor, 0) + 1
    cards: dict[_Element, list[_Element]] = {}
    for badge in badges:
        card = _card_of(badge, holding, base_url)
        if card is not None and card.getparent() is not None:
            cards.setdefault(card.getparent(), []).append(card)
    found: dict[str, Card] = {}
    more: list[str] = []
    for parent, members in cards.items():
        if len(members) < MIN_CARDS or not _is_agenda(parent, members, base_url):
            continue
        for member in members:
            card = _read_card(member, base_url, reference)
            if card is not None:
                found.setdefault(card.url, card)
        more += _more_links(parent, base_url)
    return list(found.values()), list(dict.fromkeys(more))


def event_details(html: str, reference: date, badge: When | None = None) -> Details:
    """An event page's labelled lines ("Date :", "Horaires :", "Lieu :") read as a date and a place.

    A page without a date line is read as prose, where only the day its card's ``badge`` shows is
    taken (with the hours written beside it): the other dates of a page are deadlines, publication
    dates or past editions as often as not.
    """
    root = _parse(html)
    if root is None:
        return Details(None, Place(), "")
    main = _main(root)
    fields: dict[str, str] = {}
    for label, value in _labelled(main):
        kind = _label_kind(label)
        if kind and kind not in fields:
            fields[kind] = value
    date_text = fields.get("date", "")
    when = parse_field_dates(date_text, fields.get("time", ""), reference) if date_text else None
    if when is None and badge is not None:
        when, date_text = _badge_day_in_prose(main, badge, reference)
    place = parse_location(fields.get("place", ""))
    return Details(when, place, date_text, clean_line(fields.get("organizer")) or None)


# -- badges and cards ---------------------------------------------------------------------------


def _is_badge(node: _Element, reference: date) -> bool:
    """A short element whose whole text is one day and month, or a ``<time datetime>``."""
    if node.tag == "time" and re.match(r"\d{4}-\d{2}-\d{2}", node.get("datetime") or ""):
        return not _in_frame(node)
    if node.tag in ("a", *_HEADINGS) or node.find(".//a") is not None:
        return False
    text = _short_text(node, MAX_BADGE_CHARS)
    if not text or not re.search(r"\d", text):
        return False
    found = find_dates(text, reference, loose=True)
    if len(found) != 1 or _in_frame(node):
        return False
    # The smallest element holding the whole date: a parent of a badge is not one more badge.
    return not any(_text(child) == text for child in node if isinstance(child.tag, str))


def _card_of(badge: _Element, holding: dict[_Element, int], base_url: str) -> _Element | None:
    """The badge's card: its largest ancestor holding no other badge, when it links to a page."""
    card, node = None, badge.getparent()
    while node is not None and node.tag not in ("body", "html"):
        if holding.get(node, 0) > 1:
            break
        card, node = node, node.getparent()
    if card is None or _link(card, base_url) is None:
        return None
    return card


def _read_card(card: _Element, base_url: str, reference: date) -> Card | None:
    link = _link(card, base_url)
    if link is None:
        return None
    anchor, url = link
    heading = next((h for tag in _HEADINGS for h in card.iter(tag)), None)
    title = clean_line(_text(heading) if heading is not None else _text(anchor))
    if not title:
        return None
    badge_text = next(
        (_badge_text(n) for n in card.iter() if isinstance(n.tag, str) and _is_badge(n, reference)), ""
    )
    when = parse_field_dates(badge_text, "", reference) if badge_text else None
    place_node = next(
        (n for n in card.iter() if _classes(n) and re.search(r"lieu|place|locat|ville|city", _classes(n))),
        None,
    )
    place = parse_location(_text(place_node)) if place_node is not None else Place()
    return Card(title, url, when, place)


def _badge_text(node: _Element) -> str:
    return node.get("datetime") if node.tag == "time" and node.get("datetime") else _text(node)


def _link(card: _Element, base_url: str) -> tuple[_Element, str] | None:
    """The card's link to a page of the site (its title's, else its first)."""
    anchors = [a for tag in _HEADINGS for h in card.iter(tag) for a in h.iter("a")] + list(card.iter("a"))
    for anchor in anchors:
        url = web_url(anchor.get("href") or "", base_url)
        if url and same_site(url, base_url) and canonical_url(url) != canonical_url(base_url):
            return anchor, canonical_url(url)
    return None


# -- agenda or news -----------------------------------------------------------------------------


def _is_agenda(parent: _Element, cards: list[_Element], base_url: str) -> bool:
    """Whether a block's words say agenda rather than news: heading, classes, paths, "voir tout"."""
    words = [_heading_before(parent), *(_classes(n) for n in _ancestors(parent, 3)), _classes(cards[0])]
    words += [_text(a) for a in parent.iter("a") if _MORE.search(lower_unaccented(_text(a)))]
    words += [(a.get("href") or "").rsplit("/", 1)[0] for card in cards for a in card.iter("a")]
    folded = lower_unaccented(" ".join(words))
    return len(_AGENDA_WORDS.findall(folded)) > len(_NEWS_WORDS.findall(folded))


def _heading_before(node: _Element) -> str:
    """The heading that names the block: inside it before its cards, or just before it."""
    for scope in _ancestors(node, 3):
        heading = next((h for h in scope.iter(*_HEADINGS) if not _contains_heading_of_card(h)), None)
        if heading is not None:
            return _text(heading)
        previous = scope.getprevious()
        if previous is not None and previous.tag in _HEADINGS:
            return _text(previous)
    return ""


def _contains_heading_of_card(heading: _Element) -> bool:
    return heading.find(".//a") is not None


def _more_links(parent: _Element, base_url: str) -> list[str]:
    """The block's "Voir tout l'agenda" links, in or just after it."""
    scopes = [parent, *(s for s in (parent.getnext(), parent.getparent()) if s is not None)]
    found = []
    for anchor in (a for scope in scopes for a in scope.iter("a")):
        words = lower_unaccented(_text(anchor))
        if _MORE.search(words) and _AGENDA_WORDS.search(
            words + " " + lower_unaccented(anchor.get("href") or "")
        ):
            url = web_url(anchor.get("href") or "", base_url)
            if url and same_site(url, base_url):
                found.append(canonical_url(url))
    return found


# -- event pages --------------------------------------------------------------------------------


def _labelled(main: _Element) -> Iterator[tuple[str, str]]:
    """(label, value) of each "Label : value" line and of each ``<dt>``/``<dd>`` pair."""
    text = html_to_text(lxml_html.tostring(main, encoding="unicode"))
    for match in _LABEL.finditer(text):
        yield match["label"], match["value"].strip()
    for term in main.iter("dt"):
        value = term.getnext()
        if value is not None and value.tag == "dd":
            yield _text(term).rstrip(" :"), _text(value)


def _badge_day_in_prose(main: _Element, badge: When, reference: date) -> tuple[When | None, str]:
    """The badge's day as the page's prose writes it, with its hours."""
    text = html_to_text(lxml_html.tostring(main, encoding="unicode"))
    day = badge.start.date() if isinstance(badge.start, datetime) else badge.start
    for found in find_dates(text, reference):
        if (found.first.month, found.first.day) == (day.month, day.day):
            return combine(found, times_near(text, found)), text[found.span[0] : found.span[1]]
    return None, ""


def _label_kind(label: str) -> str | None:
    folded = lower_unaccented(label).strip(" .")
    kinds = (
        ("date", _DATE_LABELS),
        ("time", _TIME_LABELS),
        ("place", _PLACE_LABELS),
        ("organizer", _ORGANIZER_LABELS),
    )
    for kind, labels in kinds:
        if folded in labels:
            return kind
    return None


def _main(root: _Element) -> _Element:
    for xpath in ("//main", "//article", "//*[@id='content']", "//body"):
        found = root.xpath(xpath)
        if found:
            return found[0]
    return root


# -- small helpers ------------------------------------------------------------------------------


def _parse(html: str) -> _Element | None:
    if not html.strip():
        return None
    try:
        return lxml_html.fromstring(html)
    except (ParserError, ValueError):
        return None


def _text(node: _Element | None) -> str:
    if node is None:
        return ""
    return " ".join(" ".join(t for t in node.itertext() if t.strip()).split())


def _short_text(node: _Element, limit: int) -> str:
    """The element's text when it has at most ``limit`` characters, else "" (read no further)."""
    pieces: list[str] = []
    length = 0
    for piece in node.itertext():
        length += len(piece.strip())
        if length > limit:
            return ""
        if piece.strip():
            pieces.append(piece)
    return " ".join(" ".join(pieces).split())


def _classes(node: _Element) -> str:
    return f"{node.get('class') or ''} {node.get('id') or ''}".strip()


def _ancestors(node: _Element, count: int) -> list[_Element]:
    found: list[_Element] = []
    while node is not None and len(found) < count and node.tag not in ("body", "html"):
        found.append(node)
        node = node.getparent()
    return found


def _in_frame(node: _Element) -> bool:
    return any(a.tag in _FRAME_TAGS for a in node.iterancestors())
