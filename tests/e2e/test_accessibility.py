"""Every page type, at 1280 and 390 px, checked by axe-core for WCAG 2.1 A and AA (and for never
scrolling sideways), and photographed.

axe-core is vendored in tests/e2e/vendor (npm package ``axe-core``; see its README there) and
injected into each page as an init script (which no Content-Security-Policy applies to), so the
site's policy stays as strict as served.
To check a new page type, add its path to PUBLIC_PAGES (or ADMIN_PAGES when it needs a sign-in).
Screenshots go to $ESS_AGENDA_ARTIFACTS (default: a temporary directory), named page-width.png.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image as Picture
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import make_server

from aggregator.db import get_sessionmaker
from aggregator.images import image_key, resized
from aggregator.models import CrawlRun, Event, Image, Source
from aggregator.users import add_user
from tests.web.conftest import make_app
from tests.web.factories import seed

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
ARTIFACTS = Path(
    os.environ.get("ESS_AGENDA_ARTIFACTS") or Path(tempfile.gettempdir()) / "ess-agenda-artifacts"
)
WIDTHS = (1280, 390)
# The success criteria of WCAG 2.1 levels A and AA, as axe-core tags its rules.
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PASSWORD = "correct horse battery"

# name → path; "{velo}" is the seeded bike workshop's UID, "{run}" a crawl run's id.
PUBLIC_PAGES = {
    "list": "/",
    "list-filtered": "/?region=Bretagne&region=Guadeloupe&category=atelier",
    "list-english": "/lang/en?next=/",
    "list-empty": "/?region=Corse",
    "weekend": "/?from=2026-11-28&to=2026-11-29",
    "week": "/semaine/2026-W48",
    "month": "/mois/2026-11",
    "month-past": "/mois/2026-10",
    "event": "/events/{velo}",
    "event-cancelled": "/events/{cancelled}",
    "map": "/carte",
    "map-filtered": "/carte?region=Bretagne",
    "embed": "/embed?layout=cards&accent=c0392b",
    "embed-list": "/embed?region=Bretagne",
    "integrer": "/integrer?region=Bretagne",
    "error-404": "/nulle-part",
    "error-400": "/?from=2026-13-45",
    "admin-login": "/admin/login",
}
ADMIN_PAGES = {
    "admin-sources": "/admin/",
    "admin-source": "/admin/sources/adess-brest",
    "admin-source-edit": "/admin/sources/adess-brest/edit",
    "admin-source-events": "/admin/sources/adess-brest/events",
    "admin-source-new": "/admin/sources/new",
    "admin-runs": "/admin/runs",
    "admin-run": "/admin/runs/{run}",
    "admin-corrections": "/admin/corrections",
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """The seeded agenda, an operator and one finished crawl run, served on 127.0.0.1."""
    from aggregator.db import dispose_engine, get_engine
    from aggregator.schema import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('axe') / 'agenda.sqlite3'}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        events = seed(session)
        add_user(session, "alice", PASSWORD)
        source = session.query(Source).filter_by(name="adess-brest").one()
        run = CrawlRun(
            source=source,
            trigger="schedule",
            status="succeeded",
            started_at=datetime(2026, 11, 22, 8, tzinfo=UTC),
            finished_at=datetime(2026, 11, 22, 8, 1, tzinfo=UTC),
            log_tail="INFO: Spider closed (finished)",
        )
        session.add(run)
        # The bike workshop's card and page show an image, as if fetched from its source.
        photo = "http://127.0.0.1:9/velo.jpg"
        session.get(Event, events["velo"].id).image = photo
        canvas = BytesIO()
        Picture.new("RGB", (800, 500), (242, 177, 52)).save(canvas, "PNG")
        data, width, height = resized(canvas.getvalue())
        session.add(
            Image(
                key=image_key(photo),
                url=photo,
                data=data,
                media_type="image/webp",
                width=width,
                height=height,
            )
        )
        session.flush()
        names = {"velo": events["velo"].uid, "cancelled": events["cancelled"].uid, "run": str(run.id)}
    # The map's tiles from a closed local port: the browser contacts no other host.
    app = make_app(
        url, SECURE_COOKIES=False, WTF_CSRF_ENABLED=True, TILE_URL="http://127.0.0.1:9/{z}/{x}/{y}.png"
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", names
    server.shutdown()
    thread.join(timeout=10)
    dispose_engine(url)


def checking_context(browser: Browser) -> BrowserContext:
    """A French visitor's browser whose every page carries axe-core."""
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(path=str(AXE))
    return context


def violations(page: Page) -> list[str]:
    """axe-core's WCAG 2.1 AA violations on the page as it stands, one line per element."""
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG_21_AA,
    )
    return [
        f"{rule['id']} ({rule['impact']}): {node['target']} — {node['failureSummary']}"
        for rule in result["violations"]
        for node in rule["nodes"]
    ]


def check(page: Page, base: str, name: str, path: str, names: dict[str, str]) -> list[str]:
    """Every width: load, photograph, run axe; the violations found, each named by page and width."""
    found: list[str] = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(base + path.format(**names))
        page.wait_for_load_state("load")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
        found += [f"{name} @ {width}px: {line}" for line in violations(page)]
        scrolled = page.evaluate("document.documentElement.scrollWidth")
        if scrolled > width:
            found.append(f"{name} @ {width}px: {scrolled}px wide, scrolls sideways")
    return found


def test_public_pages_have_no_wcag_violation(site, browser: Browser):
    base, names = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = checking_context(browser)
    page = context.new_page()
    found: list[str] = []
    for name, path in PUBLIC_PAGES.items():
        found += check(page, base, name, path, names)
    context.close()
    assert found == []


def test_admin_pages_have_no_wcag_violation(site, browser: Browser):
    base, names = site
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = checking_context(browser)
    page = context.new_page()
    page.goto(f"{base}/admin/login")
    page.get_by_label("Nom").fill("alice")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{base}/admin/")
    found: list[str] = []
    for name, path in ADMIN_PAGES.items():
        found += check(page, base, name, path, names)
    context.close()
    assert found == []


def test_phones_get_filters_first_folded_and_no_broken_times(site, browser: Browser):
    base, _ = site
    page = browser.new_page(locale="fr-FR", viewport={"width": 390, "height": 844})
    page.goto(f"{base}/")
    panels = page.locator("details.panel")
    assert panels.count() == 2 and not any(panels.nth(i).evaluate("d => d.open") for i in range(2))
    side = page.locator(".layout__side").bounding_box()
    first_event = page.locator("li.event").first.bounding_box()
    assert side and first_event and side["y"] < first_event["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # No time is split across two lines: each <time> is one line high.
    heights = page.locator("li.event time").evaluate_all("els => els.map(el => el.getClientRects().length)")
    assert heights and set(heights) == {1}
    page.locator("summary", has_text="Filtrer").click()
    assert panels.first.evaluate("d => d.open")
    # Every control is a 44 px target: a checkbox or radio button with its label's row; the
    # events' titles are links inside headings, sized by their text.
    small = page.evaluate(
        """() => [...document.querySelectorAll('main a, main button, main summary, main input, main .choice')]
            .filter(el => !['checkbox', 'radio'].includes(el.type))
            .filter(el => el.offsetParent !== null && !el.closest('.event__title'))
            .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height < 44; })
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert small == []
    page.close()


def test_wide_screens_open_the_panels_beside_the_list(site, browser: Browser):
    base, _ = site
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page.goto(f"{base}/mois/2026-11")
    assert page.locator("details.panel").first.evaluate("d => d.open")
    side = page.locator(".layout__side").bounding_box()
    grid = page.locator("table.month").bounding_box()
    assert side and grid and side["x"] > grid["x"] + grid["width"] - 1
    page.close()
