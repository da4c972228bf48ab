"""Documents as blocks: a post's HTML, a page, a PDF or plain text read the same way.

A block is a heading, a paragraph, a list item or a table row, with the spans its author put in bold
(``strong``) or struck through (``struck``) and the nearest heading above it. A page's boilerplate
(menus, cookie banners, footers, sidebars) is removed by trafilatura first; a feed's content is
already the post's text and is read as it is. A PDF's lines are re-flowed into paragraphs by
pdfminer.six's layout analysis (which keeps columns apart), bold lines kept as emphasis and larger
bold lines as headings.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import trafilatura
from lxml import etree
from lxml.html import HtmlElement, fragment_fromstring
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTChar, LTTextBox, LTTextLine
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

from core.text import clean_line

HEADING, PARAGRAPH, ITEM, ROW = "heading", "paragraph", "item", "row"
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_STRONG = {"strong", "b"}
_STRUCK = {"del", "s", "strike"}
_SKIPPED = {"script", "style", "noscript", "figure-caption", "button", "form"}
# A line ending with a hyphen joins the next without one when both halves are lower-case words.
_ITALIC = re.compile(r"italic|oblique", re.IGNORECASE)
_HYPHENATED = re.compile(r"(?<=[a-zà-ÿ])-\s*\n\s*(?=[a-zà-ÿ])")


class UnreadableDocument(ValueError):
    """A document whose bytes cannot be read as what it claims to be (a broken PDF)."""


@dataclass(frozen=True)
class Block:
    """One unit of text, as its author laid it out."""

    kind: str
    text: str
    index: int
    heading: str = ""
    level: int = 0
    strong: tuple[str, ...] = ()
    struck: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    """A post, a page or a PDF: its blocks, title, URL and the day its year-less dates are read against."""

    url: str
    title: str
    published: date
    blocks: list[Block] = field(default_factory=list)
    kind: str = "html"


# -- HTML ---------------------------------------------------------------------------------------


def html_document(html: str, url: str, title: str, published: date, whole_page: bool = True) -> Document:
    """A document from a page (boilerplate removed) or, with ``whole_page=False``, a post's content."""
    content = html
    if whole_page:
        extracted = trafilatura.extract(
            html,
            url=url,
            output_format="html",
            include_formatting=True,
            include_tables=True,
            include_links=False,
            include_comments=False,
            favor_recall=True,
        )
        content = extracted or ""
    return Document(url, title, published, _html_blocks(content))


def _html_blocks(content: str) -> list[Block]:
    if not content.strip():
        return []
    try:
        root = fragment_fromstring(content, create_parent="div")
    except (etree.ParserError, ValueError):
        return []
    builder = _Builder()
    for element in _walk(root):
        builder.add(element)
    return builder.blocks


def _walk(root: HtmlElement) -> Iterator[HtmlElement]:
    """Elements that make a block, in document order; a block's children are not walked again."""
    for element in root:
        if not isinstance(element.tag, str) or element.tag in _SKIPPED:
            continue
        tag = element.tag.lower()
        if tag in _HEADINGS or tag in ("p", "li", "tr", "dt", "dd", "blockquote", "pre"):
            yield element
        elif tag in (
            "table",
            "thead",
            "tbody",
            "tfoot",
            "ul",
            "ol",
            "dl",
            "div",
            "section",
            "article",
            "main",
            "body",
            "html",
            "figure",
            "header",
            "aside",
        ):
            if tag == "div" and not any(isinstance(c.tag, str) for c in element):
                yield element
            else:
                yield from _walk(element)
        else:
            yield element


class _Builder:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.heading = ""
        self.level = 0

    def add(self, element: HtmlElement) -> None:
        tag = element.tag.lower()
        if tag == "tr":
            cells = tuple(clean_line(_text(c)) for c in element if isinstance(c.tag, str))
            if not any(cells) or all(c.tag == "th" for c in element if isinstance(c.tag, str)):
                return
            text = " | ".join(c for c in cells if c)
            self._append(ROW, text, element, cells)
            return
        text = clean_line(_text(element))
        if not text:
            return
        if tag in _HEADINGS:
            self.heading, self.level = text, _HEADINGS[tag]
            self._append(HEADING, text, element)
            return
        self._append(ITEM if tag in ("li", "dd", "dt") else PARAGRAPH, text, element)

    def _append(self, kind: str, text: str, element: HtmlElement, cells: tuple[str, ...] = ()) -> None:
        strong = tuple(t for t in (clean_line(_text(e)) for e in element.iter(*_STRONG)) if t)
        struck = tuple(t for t in (clean_line(_text(e)) for e in element.iter(*_STRUCK)) if t)
        heading = "" if kind == HEADING else self.heading
        level = self.level if kind == HEADING else 0
        self.blocks.append(Block(kind, text, len(self.blocks), heading, level, strong, struck, cells))


def _text(element: HtmlElement) -> str:
    """The element's text, line breaks as spaces, inline parts joined as written ("1<sup>er</sup>")."""
    parts: list[str] = []

    def visit(node: HtmlElement) -> None:
        if node.tag == "br":
            parts.append(" ")
        elif isinstance(node.tag, str) and node.tag not in _SKIPPED:
            parts.append(node.text or "")
            for child in node:
                visit(child)
                parts.append(child.tail or "")

    visit(element)
    return "".join(parts)


# -- plain text ---------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")


def text_document(text: str, url: str, title: str, published: date) -> Document:
    """A document from plain text: blank lines part blocks, ``**bold**`` marks emphasis."""
    blocks: list[Block] = []
    heading = ""
    for chunk in re.split(r"\n\s*\n", text):
        lines = [line.strip() for line in chunk.strip().splitlines() if line.strip()]
        if not lines:
            continue
        raw = " ".join(lines)
        strong = tuple(m.group(1).strip() for m in _BOLD.finditer(raw))
        plain = clean_line(_MARKDOWN_HEADING.sub("", _BOLD.sub(r"\1", raw)))
        is_heading = bool(_MARKDOWN_HEADING.match(raw)) or (
            len(lines) == 1 and len(plain.split()) <= 12 and not plain.endswith((".", ":", ";", ","))
        )
        if is_heading:
            heading = plain
            blocks.append(Block(HEADING, plain, len(blocks), "", 2, strong))
        else:
            blocks.append(Block(PARAGRAPH, plain, len(blocks), heading, 0, strong))
    return Document(url, title, published, blocks, kind="text")


# -- PDF ----------------------------------------------------------------------------------------


@dataclass
class _Line:
    text: str
    bold: bool
    italic: bool
    size: float


def pdf_document(body: bytes, url: str, title: str, published: date) -> Document:
    """A document from a PDF's bytes; raises UnreadableDocument when they are not a readable PDF."""
    try:
        boxes = [
            _box_lines(box)
            for page in extract_pages(io.BytesIO(body), laparams=LAParams())
            for box in page
            if isinstance(box, LTTextBox)
        ]
    except (PDFSyntaxError, PSException, ValueError, KeyError, TypeError) as exc:
        raise UnreadableDocument(f"not a readable PDF: {exc}") from exc
    sizes = sorted(line.size for lines in boxes for line in lines)
    body_size = sizes[len(sizes) // 2] if sizes else 0.0
    blocks: list[Block] = []
    heading = ""
    for lines in boxes:
        if not lines:
            continue
        if all(line.bold and line.size > body_size * 1.15 for line in lines):
            heading = _reflow([line.text for line in lines])
            blocks.append(Block(HEADING, heading, len(blocks), "", 2))
            continue
        text = _reflow([line.text for line in lines], _runs(lines))
        strong = tuple(_reflow([line.text for line in run]) for run in _bold_runs(lines))
        blocks.append(Block(PARAGRAPH, text, len(blocks), heading, 0, strong))
    return Document(url, title, published, blocks, kind="pdf")


def _box_lines(box: LTTextBox) -> list[_Line]:
    lines: list[_Line] = []
    for line in box:
        if not isinstance(line, LTTextLine):
            continue
        chars = [c for c in line if isinstance(c, LTChar) and c.get_text().strip()]
        text = " ".join(line.get_text().split())
        if not text or not chars:
            continue
        bold = sum("bold" in c.fontname.lower() for c in chars) > len(chars) / 2
        italic = sum(_ITALIC.search(c.fontname) is not None for c in chars) > len(chars) / 2
        lines.append(_Line(text, bold, italic, max(c.size for c in chars)))
    return lines


def _runs(lines: list[_Line]) -> list[int]:
    """Indexes of lines that start a new run of style (bold, italic, regular)."""
    return [
        i
        for i in range(1, len(lines))
        if (lines[i].bold, lines[i].italic) != (lines[i - 1].bold, lines[i - 1].italic)
    ]


def _bold_runs(lines: list[_Line]) -> list[list[_Line]]:
    runs: list[list[_Line]] = []
    for index, line in enumerate(lines):
        if not line.bold:
            continue
        if runs and index > 0 and lines[index - 1].bold:
            runs[-1].append(line)
        else:
            runs.append([line])
    return runs


def _reflow(lines: list[str], breaks: list[int] | None = None) -> str:
    """Lines joined into a paragraph, hyphenated words rejoined; a change of style starts a new line."""
    runs: list[list[str]] = [[]]
    for index, line in enumerate(lines):
        if index and breaks and index in breaks:
            runs.append([])
        runs[-1].append(line)
    joined = (" ".join(_HYPHENATED.sub("", "\n".join(run)).split()) for run in runs)
    return "\n".join(joined)
