"""The agenda on partner sites: /embed in an iframe anywhere, /integrer to build the snippet."""

from __future__ import annotations

import re
from html import unescape

import pytest
from markupsafe import escape

from web.embed import colour, readable_on


def policy_of(response) -> dict[str, str]:
    return dict(part.split(" ", 1) for part in response.headers["Content-Security-Policy"].split("; "))


def test_only_the_embed_may_be_framed(web):
    embed = web.get("/embed")
    assert embed.status_code == 200
    assert policy_of(embed)["frame-ancestors"] == "*" and "X-Frame-Options" not in embed.headers
    assert policy_of(embed)["script-src"] == "'self'"
    for path in ("/", "/carte", "/integrer", "/embed?accent=nope"):
        response = web.get(path)
        assert policy_of(response)["frame-ancestors"] == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_the_embed_takes_the_agenda_filters_and_opens_events_in_a_new_tab(web, events):
    html = web.get("/embed?region=Bretagne").get_data(as_text=True)
    assert escape(events["velo"].title) in html and escape(events["forum"].title) in html
    assert escape(events["cancelled"].title) not in html
    assert '<base target="_blank">' in html
    assert f'href="http://localhost/events/{events["velo"].uid}" rel="noopener"' in html
    assert 'href="http://localhost/?region=Bretagne"' in html  # the full agenda, same filters


def test_theme_parameters(web, events):
    few = web.get("/embed?limit=2").get_data(as_text=True)
    assert len(re.findall(r'<li class="embed-item', few)) == 2
    assert "Tous les événements (" in few
    cards = web.get("/embed?layout=cards&accent=C0392B&limit=3").get_data(as_text=True)
    assert len(re.findall(r'<li class="embed-card', cards)) == 3 and 'class="embed embed--cards"' in cards
    assert 'href="/embed/theme.css?accent=c0392b"' in cards
    theme = web.get("/embed/theme.css?accent=c0392b")
    assert theme.mimetype == "text/css"
    assert theme.get_data(as_text=True) == ":root { --embed-accent: #c0392b; --embed-on-accent: #ffffff; }\n"


@pytest.mark.parametrize(
    ("query", "param"),
    [
        ("accent=red", "accent"),
        ("accent=%23123456;background:url(x)", "accent"),
        ("layout=grid", "layout"),
        ("limit=0", "limit"),
        ("limit=51", "limit"),
        ("region=Atlantide", "region"),
    ],
)
def test_bad_theme_or_filter_values_are_refused(web, query, param):
    response = web.get(f"/embed?{query}")
    assert response.status_code == 400
    assert f"Paramètre en cause : {param}" in response.get_data(as_text=True)


def test_colours():
    assert colour("#1D5E4F") == colour("1d5e4f") == "#1d5e4f"
    assert colour("#fa0") == "#ffaa00"
    with pytest.raises(ValueError):
        colour("rgb(1,2,3)")
    assert readable_on("#ffff00") == "#1b1f23" and readable_on("#1d5e4f") == "#ffffff"


def test_the_builder_gives_the_snippet_for_the_chosen_filters(web):
    html = web.get("/integrer?region=Bretagne&layout=cards&limit=5&accent=%23c0392b").get_data(as_text=True)
    snippets = [unescape(text) for text in re.findall(r"<textarea[^>]*>(.*?)</textarea>", html, re.S)]
    assert snippets == [
        '<iframe src="http://localhost/embed?region=Bretagne&amp;accent=c0392b&amp;layout=cards&amp;limit=5" '
        'title="Agenda de l&#39;ESS" width="100%" height="600" loading="lazy" data-ess-agenda></iframe>',
        '<script src="http://localhost/static/embed-resize.js" async></script>',
    ]
    assert (
        'src="/embed?region=Bretagne&amp;accent=c0392b&amp;layout=cards&amp;limit=5"' in html
    )  # the preview
    assert '<option value="Bretagne" selected>' in html
    # Defaults stay out of the snippet.
    plain = web.get("/integrer?layout=list&limit=10&accent=%231d5e4f&q=").get_data(as_text=True)
    assert 'src="/embed"' in plain


def test_the_resizing_scripts_are_served(web):
    for path in ("embed.js", "embed-resize.js", "embed.css"):
        response = web.get(f"/static/{path}")
        assert response.status_code == 200
        response.close()


def test_the_builder_keeps_the_chosen_filters_in_its_form(web):
    html = web.get("/integrer?department=29&category=atelier&source=adess-brest").get_data(as_text=True)
    assert 'name="department" value="29"' in html
    assert '<option value="atelier" selected>' in html
    assert '<option value="adess-brest" selected>' in html
