"""Canonical URLs and link selectors."""

from __future__ import annotations

import re

import pytest
from parsel import Selector

from spiders.extract.links import (
    LinkSelectorError,
    canonical_url,
    content_links,
    pdf_links,
    same_site,
    select_links,
    select_values,
    web_url,
)

PAGE = "https://asso.example/agenda/"


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        (
            "https://asso.example/e/forum/?utm_source=newsletter&utm_medium=email&fbclid=IwAR0",
            "https://asso.example/e/forum/",
        ),
        (
            "https://asso.example/e/?id=3&gclid=x&pk_campaign=y&mtm_kwd=z&xtor=EPR-1",
            "https://asso.example/e/?id=3",
        ),
        ("https://asso.example/e/?b=2&a=1&_ga=1.2&mc_cid=9", "https://asso.example/e/?a=1&b=2"),
        ("HTTPS://Asso.Example:443/e/forum/#respond", "https://asso.example/e/forum/"),
        ("http://asso.example:8080/e", "http://asso.example:8080/e"),
        ("https://asso.example", "https://asso.example/"),
        ("https://asso.example/é vènement/", "https://asso.example/%C3%A9%20v%C3%A8nement/"),
    ],
)
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_a_fragment_is_kept_only_when_asked():
    assert (
        canonical_url("https://a.example/p?utm_id=1#event-2", keep_fragment=True)
        == "https://a.example/p#event-2"
    )


@pytest.mark.parametrize(
    ("href", "url"),
    [
        ("/e/forum/", "https://asso.example/e/forum/"),
        ("forum/", "https://asso.example/agenda/forum/"),
        ("webcal://asso.example/agenda.ics", "https://asso.example/agenda.ics"),
        ("mailto:contact@asso.example", None),
        ("javascript:void(0)", None),
        ("#top", None),
        ("  ", None),
    ],
)
def test_web_url(href, url):
    assert web_url(href, PAGE) == url


HTML = """<html><body>
<nav class="menu"><a href="/">Accueil</a><a href="/agenda/">Agenda</a></nav>
<main>
  <a class="more" href="/e/a/?utm_source=x">A</a>
  <a class="more" href="/e/a/">A encore</a>
  <li class="next"><a href="/agenda/page/2/">Suivant</a></li>
  <a href="/docs/programme.pdf">PDF</a>
  <a href="https://ailleurs.example/e/">Ailleurs</a>
  <a href="/e/b/">B</a>
  <div class="pagination"><a href="/agenda/page/3/">3</a></div>
  <a rel="next" href="/agenda/page/2/">2</a>
</main>
<footer><a href="/mentions/">Mentions</a></footer>
</body></html>"""


@pytest.mark.parametrize("css", ["a.more", "a.more::attr(href)", "main a.more"])
def test_link_selectors_name_the_element_or_its_attribute(css):
    assert select_links(Selector(text=HTML), css, PAGE) == ["https://asso.example/e/a/"]


def test_an_element_without_href_gives_the_first_link_inside_it():
    assert select_values(Selector(text=HTML), "li.next") == ["/agenda/page/2/"]
    assert select_values(Selector(text=HTML), "a.more::text") == ["A", "A encore"]


def test_an_invalid_selector_is_a_clear_error():
    with pytest.raises(LinkSelectorError, match=re.escape("invalid CSS selector 'a.more['")):
        select_links(Selector(text=HTML), "a.more[", PAGE)


def test_content_links_leave_out_frame_files_and_other_sites():
    assert content_links(Selector(text=HTML), PAGE) == [
        "https://asso.example/e/a/",
        "https://asso.example/agenda/page/2/",
        "https://asso.example/e/b/",
    ]


def test_same_site_ignores_www():
    assert same_site("https://www.asso.example/a", "https://asso.example/b")
    assert not same_site("https://asso.example/a", "https://autre.example/a")


def test_pdf_links_are_the_sites_own_pdfs() -> None:
    html = (
        '<p><a href="/lettre/n18.pdf">La lettre</a> <a href="https://other.example/x.pdf">ailleurs</a>'
        ' <a href="/lettre/n18.pdf?utm_source=x">encore</a> <a href="/page/">page</a></p>'
    )
    assert pdf_links(html, "http://127.0.0.1:8000/post/") == ["http://127.0.0.1:8000/lettre/n18.pdf"]
