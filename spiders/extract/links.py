"""Links: canonical URLs without tracking parameters, and the links a CSS selector picks in a page.

A link selector may name the element (``a.next``: its ``href`` is taken, or that of the first link
inside it) or the attribute (``a.next::attr(href)``); both forms work everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from cssselect import SelectorError
from parsel import Selector
from w3lib.url import canonicalize_url

from core.http import WEB_SCHEMES
from core.urls import is_tracking_parameter

DEFAULT_PORTS = {"http": 80, "https": 443}

# Links that never lead to an event page: downloads, images, mail, phone, scripts.
_NOT_PAGES = re.compile(r"\.(pdf|jpe?g|png|gif|webp|svg|zip|docx?|xlsx?|pptx?|odt|ods|mp[34]|css|js)$", re.I)
# Anchors in a page's frame (menus, header, footer, sidebars, pagination) rather than its content.
_CONTENT_ANCHORS = (
    "//a[@href][not(ancestor::nav or ancestor::header or ancestor::footer or ancestor::aside"
    " or ancestor::*[contains(@class, 'pagination') or contains(@class, 'pager')"
    " or contains(@class, 'menu') or @role='navigation'])]"
    "[not(contains(concat(' ', normalize-space(@rel), ' '), ' next ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' prev '))]/@href"
)


class LinkSelectorError(ValueError):
    """A CSS selector from a source's options that cannot be used."""


@lru_cache(maxsize=4096)  # a crawl canonicalizes each page's URL two or three times
def canonical_url(url: str, keep_fragment: bool = False) -> str:
    """``url`` with tracking parameters and default port dropped, query sorted, escaping normalised."""
    parts = urlsplit(url.strip())
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_parameter(k)
    ]
    netloc = parts.netloc.lower()
    host, _, port = netloc.rpartition(":")
    if host and port.isdigit() and DEFAULT_PORTS.get(parts.scheme.lower()) == int(port):
        netloc = host
    cleaned = urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", urlencode(query), parts.fragment))
    return canonicalize_url(cleaned, keep_fragments=keep_fragment)


def web_url(href: str, base_url: str) -> str | None:
    """The absolute http(s) URL ``href`` points to from ``base_url``, or None (mailto:, javascript:…)."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    if href.lower().startswith("webcal://"):
        href = "https://" + href[len("webcal://") :]
    url = urljoin(base_url, href)
    return url if urlsplit(url).scheme in WEB_SCHEMES else None


def select_values(selector: Selector, css: str) -> list[str]:
    """What ``css`` picks: attribute or text values as they are, or each element's ``href``."""
    try:
        found = selector.css(css)
    except SelectorError as exc:
        raise LinkSelectorError(f"invalid CSS selector {css!r}: {exc}") from exc
    values = []
    for node in found:
        if isinstance(node.root, str):
            values.append(node.root)
            continue
        href = node.attrib.get("href") or node.css("a::attr(href)").get()
        if href:
            values.append(href)
    return values


def select_links(selector: Selector, css: str, base_url: str) -> list[str]:
    """Absolute canonical URLs of the links ``css`` picks, in page order, without repeats."""
    return _unique(web_url(value, base_url) for value in select_values(selector, css))


def content_links(selector: Selector, base_url: str) -> list[str]:
    """Same-site links in the page's content (not its menus, header, footer or pagination)."""
    page = canonical_url(base_url)
    links = _unique(web_url(href, base_url) for href in selector.xpath(_CONTENT_ANCHORS).getall())
    return [
        url
        for url in links
        if url != page and same_site(url, base_url) and not _NOT_PAGES.search(urlsplit(url).path)
    ]


def pdf_links(html: str, base_url: str) -> list[str]:
    """Same-site links to PDFs (a newsletter, a programme, a flyer), in page order, without repeats."""
    hrefs = Selector(text=html).xpath("//a/@href").getall() if html else []
    links = _unique(web_url(href, base_url) for href in hrefs)
    return [url for url in links if same_site(url, base_url) and urlsplit(url).path.lower().endswith(".pdf")]


def same_site(url: str, other: str) -> bool:
    """Both URLs on the same host (``www.`` aside)."""
    return _host(url) == _host(other)


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host.removeprefix("www.")


def _unique(urls: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for url in urls:
        if url:
            seen.setdefault(canonical_url(url), None)
    return list(seen)
