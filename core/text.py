"""HTML and entity-laden strings to clean text: the rules the spiders read pages with, normalization
cleans every listing with, and the feeds keep XML with."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from lxml import etree
from lxml.html import HTMLParser

_BLOCKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote|/section|/article)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
# Control characters, the halves of split emoji that JSON can carry but no database stores, and the
# noncharacters U+FFFE and U+FFFF: none may appear in XML (an Atom feed holding one is unreadable).
XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# lxml itself rather than a parsel Selector (which costs several times the parse), with one parser
# for the process rather than one per call: every description and structured page goes through it.
HTML_PARSER = HTMLParser(encoding="utf-8")
_TEXT = etree.XPath("//text()[not(ancestor::script) and not(ancestor::style)]")
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")


def clean_line(value: object) -> str:
    """One line of plain text: entities decoded, tags dropped, white space folded."""
    if value is None:
        return ""
    text = str(value)
    # Most names and places hold no markup: no need to parse them.
    text = html_to_text(text) if "<" in text or "&" in text else XML_ILLEGAL.sub("", text)
    return " ".join(text.split())


def html_to_text(value: object) -> str:
    """Plain text from an HTML fragment, keeping paragraphs as blank-line separated blocks."""
    if value is None:
        return ""
    raw = XML_ILLEGAL.sub("", str(value))
    if "<" in raw:
        raw = _BLOCKS.sub(lambda m: "\n" if m.group(1).lower() == "br" else "\n\n", raw)
        root = etree.fromstring(f"<div>{raw}</div>".encode(), HTML_PARSER)
        raw = "".join(_TEXT(root)) if root is not None else ""
    # Some exports escape twice ("&amp;#8217;"): decode until stable.
    for _ in range(3):
        decoded = html.unescape(raw)
        if decoded == raw:
            break
        raw = decoded
    lines = [_SPACES.sub(" ", line).strip() for line in raw.replace("\r", "").split("\n")]
    text = "\n".join(lines).strip()
    return _BLANK_LINES.sub("\n\n", text)


def plain_line(value: object) -> str:
    """One line of text with no markup left, even where decoding entities revealed some."""
    return _cleaned_twice(clean_line, value)


def plain_text(value: object) -> str:
    """Paragraphs of text with no markup left (see ``plain_line``)."""
    return _cleaned_twice(html_to_text, value)


def _cleaned_twice(clean: Callable[[object], str], value: object) -> str:
    text = clean(value)
    return clean(text) if _TAG.search(text) else text  # "&lt;script&gt;" decodes to a tag: strip that too
