"""The schema.org Events of a page: JSON-LD and microdata read by extruct, graphs and lists walked.

Property names and types lose their schema.org prefix (``http://schema.org/``, ``https://schema.org/``,
``schema:``), so the rest of the code reads ``startDate`` and ``Event`` whatever context the page used.

A page holding only JSON-LD, in blocks that are plain JSON, has them read here with the ``json``
module, prefixes dropped as each object is decoded: extruct and a second walk over its nodes took
half the time of reading such a page's structured data. Any other page goes to extruct, which also
reads JSON-LD behind comments.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import extruct
import lxml.html
from lxml import etree
from parsel import Selector

from core.text import HTML_PARSER

MARKERS = {"json-ld": b"ld+json", "microdata": b"itemscope"}  # syntax → what a page holding it contains
SCHEMA_PREFIXES = (
    "http://schema.org/",
    "https://schema.org/",
    "http://www.schema.org/",
    "https://www.schema.org/",
    "schema:",
)
EVENT_TYPES = frozenset(
    {
        "Event",
        "BusinessEvent",
        "ChildrensEvent",
        "ComedyEvent",
        "CourseInstance",
        "DanceEvent",
        "DeliveryEvent",
        "EducationEvent",
        "EventSeries",
        "ExhibitionEvent",
        "Festival",
        "FoodEvent",
        "Hackathon",
        "LiteraryEvent",
        "MusicEvent",
        "PublicationEvent",
        "BroadcastEvent",
        "OnDemandEvent",
        "SaleEvent",
        "ScreeningEvent",
        "SocialEvent",
        "SportsEvent",
        "TheaterEvent",
        "VisualArtsEvent",
    }
)
# Where events hide inside other nodes: lists, pages, series, festivals, venues' programmes.
NESTING = ("@graph", "itemListElement", "item", "mainEntity", "subEvent", "subEvents", "event", "events")
MAX_DEPTH = 6
_JSON_LD_SCRIPTS = etree.XPath('descendant-or-self::script[@type="application/ld+json"]')  # as extruct
_TEXT = etree.XPath("string()")


def schema_name(value: str) -> str:
    """``https://schema.org/EventCancelled`` or ``schema:EventCancelled`` → ``EventCancelled``."""
    value = value.strip()
    if ":" not in value:  # every prefix has one; most names have none
        return value
    for prefix in SCHEMA_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def types_of(node: dict[str, Any]) -> set[str]:
    value = node.get("@type")
    values = value if isinstance(value, list) else [value]
    return {schema_name(v) for v in values if isinstance(v, str)}


def is_event(node: Any) -> bool:
    return isinstance(node, dict) and bool(types_of(node) & EVENT_TYPES)


def page_events(html: str, base_url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The Event nodes of a page (references resolved, JSON-LD first, repeats dropped) and the
    problems met reading it (unreadable JSON-LD blocks)."""
    nodes, problems = page_nodes(html, base_url)
    return find_events(nodes), problems


def page_nodes(html: str, base_url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The top-level JSON-LD and microdata items of a page, keys without schema.org prefixes."""
    # lxml refuses text with an XML encoding declaration: it gets UTF-8 bytes instead.
    data = html.encode("utf-8", "replace")
    # Only the syntaxes the page can hold: most pages carry neither, and each costs a pass. (Bytes
    # lower only ASCII letters, which is all the markers hold, faster than text does.)
    lowered = data.lower()
    syntaxes = [syntax for syntax, marker in MARKERS.items() if marker in lowered]
    if not syntaxes:
        return [], []
    try:
        tree = lxml.html.fromstring(data, parser=HTML_PARSER)
        nodes = _plain_json_ld(tree) if syntaxes == ["json-ld"] else None
        if nodes is not None:
            return nodes, []
        found = extruct.extract(tree, base_url=base_url, syntaxes=syntaxes, uniform=True)
    except Exception:  # extruct lets JSON, lxml and its own errors through alike: read block by block
        return _salvage(html, base_url)
    return [_plain(n) for n in found.get("json-ld", []) + found.get("microdata", [])], []


def _plain_json_ld(tree: Any) -> list[Any] | None:
    """The page's JSON-LD items, as extruct gives them and with prefixes dropped; None when a block
    is not plain JSON."""
    nodes: list[Any] = []
    for script in _JSON_LD_SCRIPTS(tree):
        try:
            data = json.loads(_TEXT(script), strict=False, object_hook=_plain_node)
        except ValueError:
            return None
        if isinstance(data, list):
            nodes += [item for item in data if item]
        elif isinstance(data, dict) and data:
            nodes.append(data)
    return nodes


def _salvage(html: str, base_url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """What can still be read from a page where one block is broken, and what could not."""
    nodes: list[Any] = []
    problems = []
    for index, script in enumerate(Selector(text=html).css('script[type="application/ld+json"]::text')):
        block = f'<script type="application/ld+json">{script.get()}</script>'.encode()
        try:
            nodes += extruct.extract(block, encoding="utf-8", syntaxes=["json-ld"])["json-ld"]
        except Exception as exc:  # see page_nodes
            problems.append(f"unreadable JSON-LD block #{index + 1} ({exc.__class__.__name__}: {exc})")
    try:
        data = extruct.extract(html.encode("utf-8"), base_url=base_url, syntaxes=["microdata"], uniform=True)
        nodes += data.get("microdata", [])
    except Exception as exc:  # see page_nodes
        problems.append(f"unreadable microdata ({exc.__class__.__name__}: {exc})")
    return [_plain(n) for n in nodes], problems


def _plain(value: Any) -> Any:
    """A node with schema.org prefixes dropped from its keys and types, recursively."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if not isinstance(value, dict):
        return value
    return _plain_node({k: _plain(v) for k, v in value.items()})


def _plain_node(node: dict[Any, Any]) -> dict[Any, Any]:
    """A node with schema.org prefixes dropped from its own keys and types."""
    plain = {schema_name(k) if isinstance(k, str) else k: v for k, v in node.items()}
    if isinstance(plain.get("@type"), str):
        plain["@type"] = schema_name(plain["@type"])
    elif isinstance(plain.get("@type"), list):
        plain["@type"] = [schema_name(t) if isinstance(t, str) else t for t in plain["@type"]]
    return plain


def find_events(nodes: list[Any]) -> list[dict[str, Any]]:
    """Events among ``nodes`` and inside them (``@graph``, lists, series), references resolved."""
    index = _identified(nodes)
    events: list[dict[str, Any]] = []
    seen: set[tuple[str, str]] = set()
    for event in _walk(nodes, index, 0):
        resolved = _resolve(event, index, 0) if index else event
        # The same event often appears twice: JSON-LD and microdata, or a node and a reference.
        signature = (str(resolved.get("name")), str(resolved.get("startDate")))
        if signature not in seen:
            seen.add(signature)
            events.append(resolved)
    return events


def _walk(value: Any, index: dict[str, dict[str, Any]], depth: int) -> Iterator[dict[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(value, list):
        for item in value:
            yield from _walk(item, index, depth + 1)
        return
    if not isinstance(value, dict):
        return
    if _is_reference(value):
        value = index.get(value["@id"], {})
    # A series stands for its occurrences when it lists them; any other event for itself.
    if is_event(value) and value.get("startDate") and not _lists_occurrences(value):
        yield value
        return
    for key in NESTING:  # a series or a festival without dates of its own: its sub-events count
        if key in value:
            yield from _walk(value[key], index, depth + 1)


def _lists_occurrences(event: dict[str, Any]) -> bool:
    return "EventSeries" in types_of(event) and bool(event.get("subEvent"))


def _identified(nodes: list[Any]) -> dict[str, dict[str, Any]]:
    """Nodes by ``@id``, wherever they sit, so references can be followed."""
    index: dict[str, dict[str, Any]] = {}
    stack = list(nodes)
    while stack:
        value = stack.pop()
        if isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, dict):
            if isinstance(value.get("@id"), str) and not _is_reference(value):
                index.setdefault(value["@id"], value)
            stack.extend(value.values())
    return index


def _is_reference(value: dict[str, Any]) -> bool:
    return isinstance(value.get("@id"), str) and set(value) <= {"@id", "@type"}


def _resolve(value: Any, index: dict[str, dict[str, Any]], depth: int) -> Any:
    """``value`` with ``{"@id": …}`` references replaced by the nodes they name (bounded depth)."""
    if depth > MAX_DEPTH:
        return value
    if isinstance(value, list):
        return [_resolve(v, index, depth + 1) for v in value]
    if not isinstance(value, dict):
        return value
    if _is_reference(value) and value["@id"] in index:
        value = index[value["@id"]]
    return {k: _resolve(v, index, depth + 1) for k, v in value.items()}
