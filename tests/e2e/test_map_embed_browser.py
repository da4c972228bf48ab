"""The map and the embed in a real browser, at a desktop's and a phone's width.

Headless Debian Chromium driven by Playwright against the app served on 127.0.0.1; the map's tiles
come from a blank tile server on 127.0.0.1 and the partner site embedding the agenda is a second
server on another port (another origin). Every request the browser makes is checked to stay on
127.0.0.1. Screenshots go where the accessibility test's do ($ESS_AGENDA_ARTIFACTS, else a temporary
directory).
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections.abc import Iterator
from html import unescape
from urllib.parse import urlsplit

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from aggregator.db import dispose_engine, get_engine, get_sessionmaker
from aggregator.models import Event
from aggregator.normalize.geography import geography
from aggregator.schema import upgrade
from tests.e2e.test_accessibility import ARTIFACTS
from tests.e2e.test_agenda_browser import watch
from tests.web.conftest import make_app
from tests.web.factories import seed

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def blank_tile() -> bytes:
    """A 256×256 PNG of one pale colour: what the map draws under its markers in tests."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + bytes((0xE8, 0xEE, 0xEA)) * 256 for _ in range(256))
    header = struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def serve(app) -> tuple[str, object, threading.Thread]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server, thread


def place_by_commune(session) -> None:
    """What normalization does for events whose source gives no coordinates: the commune's centre."""
    for event in session.query(Event).filter(Event.lat.is_(None), Event.city.is_not(None)):
        named = [n for n in geography().by_name(event.city) if n.commune.department == event.department]
        if named:
            event.lat, event.lon = geography().centre(named[0].commune.code)


@pytest.fixture(scope="module")
def tiles() -> Iterator[tuple[str, list[str]]]:
    """A tile server on 127.0.0.1 answering every tile with the same blank image."""
    png = blank_tile()
    asked: list[str] = []

    @Request.application
    def app(request: Request) -> Response:
        asked.append(request.path)
        return Response(png, mimetype="image/png", headers={"Cache-Control": "max-age=3600"})

    base, server, thread = serve(app)
    yield base, asked
    server.shutdown()  # type: ignore[attr-defined]
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def site(tmp_path_factory, tiles) -> Iterator[tuple[str, dict]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('e2e-map') / 'agenda.sqlite3'}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        events = seed(session)
        place_by_commune(session)
    app = make_app(url, TILE_URL=f"{tiles[0]}/{{z}}/{{x}}/{{y}}.png", TILE_ATTRIBUTION="Tuiles de test")
    base, server, thread = serve(app)
    yield base, events
    server.shutdown()  # type: ignore[attr-defined]
    thread.join(timeout=10)
    dispose_engine(url)


def local_only(page) -> list[str]:
    """Refuse, and note, any request the page makes beyond 127.0.0.1."""
    refused: list[str] = []

    def route(route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", route)
    return refused


# Places the map shows: each marker is one, each cluster says how many it holds.
MARKER_PLACES = """() => [...document.querySelectorAll('.leaflet-marker-icon [data-places]')]
    .reduce((sum, node) => sum + Number(node.dataset.places), 0)"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("query", ["", "?region=Bretagne"])
def test_the_map_shows_each_place_once_and_its_popup_links_to_the_event(site, tiles, browser, width, query):
    base, events = site
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(locale="fr-FR", viewport=WIDTHS[width])
    refused, seen = local_only(page), watch(page)
    page.goto(f"{base}/carte{query}")
    page.wait_for_selector("#map[data-ready='1']")
    collection = page.request.get(f"{base}/api/events.geojson{query}").json()
    places = {tuple(f["geometry"]["coordinates"]) for f in collection["features"]}
    assert len(places) >= 2
    # Once zooming has settled (old and new markers overlap while it animates).
    page.wait_for_function(f"() => ({MARKER_PLACES})() === {len(places)}", timeout=5000)
    page.wait_for_timeout(500)
    assert page.evaluate(MARKER_PLACES) == len(places)
    assert page.get_attribute("#map", "data-places") == str(len(places))
    assert tiles[1], "the map asked the configured tile server for tiles"
    name = "carte" + ("-bretagne" if query else "") + f"-{width}.png"
    page.screenshot(path=str(ARTIFACTS / name), full_page=False)

    if not query:
        # The map opens on mainland France; each overseas place has a button that brings it into view.
        reunion = events["reunion"]
        page.locator(".map-overseas button", has_text="Saint-Denis").click()
        link = page.locator(".leaflet-popup-content a", has_text=reunion.title)
        link.wait_for()
        assert link.get_attribute("href") == f"{base}/events/{reunion.uid}"
    if query:
        # Brest and Rennes are far apart: each has its own marker; Brest's popup leads to its event.
        velo = events["velo"]
        page.locator('.place-marker[title^="Recyclerie Un peu d\'R, Brest"]').click()
        link = page.locator(".leaflet-popup-content a", has_text=velo.title)
        assert link.get_attribute("href") == f"{base}/events/{velo.uid}"
        page.wait_for_timeout(600)  # the popup fades in, the map pans to show it
        page.screenshot(path=str(ARTIFACTS / f"carte-popup-{width}.png"), full_page=False)
        page.locator("#map").screenshot(path=str(ARTIFACTS / f"carte-map-{width}.png"))
        link.click()
        page.wait_for_url(f"{base}/events/{velo.uid}")
        assert page.locator("h1").inner_text() == velo.title
    assert refused == [] and seen == {"dialogs": [], "violations": []}
    page.close()


def test_without_javascript_the_map_page_lists_events_by_place(site, browser):
    base, events = site
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/carte?region=Bretagne")
    assert page.locator("#map").is_hidden()
    assert page.locator(".place__title").all_inner_texts() == [
        "Couvent des Jacobins, Rennes (35)",
        "Recyclerie Un peu d'R, Brest (29)",
    ]
    assert page.locator(".place .event__title a").all_inner_texts() == [
        events["forum"].title,
        events["velo"].title,
    ]
    context.close()


@pytest.fixture(scope="module")
def partner(site) -> Iterator[str]:
    """A partner's page on another origin, holding the snippet /integrer gives for Bretagne."""
    base, _ = site
    import urllib.request

    with urllib.request.urlopen(f"{base}/integrer?region=Bretagne&layout=cards&accent=%23c0392b") as answer:
        html = answer.read().decode()
    iframe, script = (unescape(text) for text in re.findall(r"<textarea[^>]*>(.*?)</textarea>", html, re.S))
    body = (
        "<!doctype html><html lang='fr'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'><title>Partenaire</title></head>"
        f"<body><h1>Le site d'un partenaire</h1>{iframe}{script}<p>Bas de page</p></body></html>"
    )

    @Request.application
    def app(request: Request) -> Response:
        return Response(body, mimetype="text/html")

    other, server, thread = serve(app)
    yield other
    server.shutdown()  # type: ignore[attr-defined]
    thread.join(timeout=10)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_embed_on_another_origin_loads_with_its_filters_and_fits(site, partner, browser, width):
    base, events = site
    assert urlsplit(partner).port != urlsplit(base).port
    page = browser.new_page(locale="fr-FR", viewport=WIDTHS[width])
    refused, seen = local_only(page), watch(page)
    page.goto(partner)
    frame = page.frame_locator("iframe[data-ess-agenda]")
    frame.locator(".embed-card").first.wait_for()
    titles = frame.locator(".embed-card__title a").all_inner_texts()
    assert titles == [events["velo"].title, events["forum"].title]
    link = frame.locator(".embed-card__title a").first
    assert link.get_attribute("href") == f"{base}/events/{events['velo'].uid}"
    # The accent chosen in the builder, from the embed's own stylesheet.
    border = frame.locator(".embed-card").first.evaluate("node => getComputedStyle(node).borderTopColor")
    assert border == "rgb(192, 57, 43)"
    # The resizing script fitted the iframe to its content: no inner scroll bar.
    page.wait_for_function(
        "() => { const f = document.querySelector('iframe[data-ess-agenda]');"
        " return f.getAttribute('height') !== '600'; }"
    )
    inner = frame.locator("html").evaluate("node => node.scrollHeight")
    outer = page.locator("iframe[data-ess-agenda]").evaluate("node => node.clientHeight")
    assert abs(inner - outer) <= 2
    page.screenshot(path=str(ARTIFACTS / f"embed-{width}.png"), full_page=True)
    # Links open the full event page in a new tab.
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    tab.wait_for_load_state()
    assert tab.url == f"{base}/events/{events['velo'].uid}"
    tab.close()
    assert refused == [] and seen == {"dialogs": [], "violations": []}
    page.close()


def test_the_builder_previews_the_embed(site, browser):
    base, _ = site
    page = browser.new_page(locale="fr-FR", viewport=WIDTHS["desktop"])
    refused = local_only(page)
    page.goto(f"{base}/integrer")
    page.select_option("#f-region", "Bretagne")
    page.check("#f-layout-cards")
    page.get_by_role("button", name="Mettre à jour").click()
    page.wait_for_url(f"{base}/integrer?*")
    assert "region=Bretagne" in page.locator("#snippet-iframe").input_value()
    preview = page.frame_locator("iframe.embed-preview")
    preview.locator(".embed-card").first.wait_for()
    assert preview.locator(".embed-card").count() == 2
    page.screenshot(path=str(ARTIFACTS / "integrer-desktop.png"), full_page=True)
    assert refused == []
    page.close()
