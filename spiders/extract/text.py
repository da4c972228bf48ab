"""HTML and entity-laden strings to clean text."""

from __future__ import annotations

import html
import re

from parsel import Selector

_BLOCKS = re.compile(r"<\s*(br|/p|/div|/li|/h[1-6]|/tr|/blockquote|/section|/article)\b[^>]*>", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u202f]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_line(value: object) -> str:
    """One line of plain text: entities decoded, tags dropped, white space folded."""
    if value is None:
        return ""
    text = html_to_text(str(value))
    return " ".join(text.split())


def html_to_text(value: object) -> str:
    """Plain text from an HTML fragment, keeping paragraphs as blank-line separated blocks."""
    if value is None:
        return ""
    raw = _CONTROL.sub("", str(value))
    if "<" in raw:
        raw = _BLOCKS.sub(lambda m: "\n" if m.group(1).lower() == "br" else "\n\n", raw)
        body = Selector(text=f"<div>{raw}</div>").xpath(
            "//text()[not(ancestor::script) and not(ancestor::style)]"
        )
        raw = "".join(body.getall())
    # Some exports escape twice ("&amp;#8217;"): decode until stable.
    for _ in range(3):
        decoded = html.unescape(raw)
        if decoded == raw:
            break
        raw = decoded
    lines = [_SPACES.sub(" ", line).strip() for line in raw.replace("\r", "").split("\n")]
    text = "\n".join(lines).strip()
    return _BLANK_LINES.sub("\n\n", text)
