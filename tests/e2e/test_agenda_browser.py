"""The agenda in a real browser: filter by région, open an event, subscribe to that view.

Headless Debian Chromium driven by Playwright (no browser download), against the app served by a
real HTTP server on 127.0.0.1. Screenshots go to artifacts/.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from aggregator.db import get_sessionmaker
from tests.web.conftest import make_app
from tests.web.factories import XSS_ATTRIBUTE, XSS_TITLE, seed
from tests.web.ical_checks import parse_three_ways, uids

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """The seeded agenda served over HTTP on 127.0.0.1, with its events by nickname."""
    from aggregator.db import dispose_engine, get_engine
    from aggregator.schema import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'agenda.sqlite3'}"
    upgrade(get_engine(url))
    with get_sessionmaker(url).begin() as session:
        events = seed(session)
    server = make_server("127.0.0.1", 0, make_app(url), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", events
    server.shutdown()
    thread.join(timeout=10)
    dispose_engine(url)


def watch(page) -> dict[str, list[str]]:
    """Dialogs opened (hostile scripts would open some) and policy violations reported."""
    seen: dict[str, list[str]] = {"dialogs": [], "violations": []}

    def on_dialog(dialog):
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and seen["violations"].append(message.text),
    )
    return seen


def test_filter_by_region_open_an_event_and_subscribe_to_that_view(site, browser):
    base, events = site
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(locale="fr-FR", viewport={"width": 1280, "height": 900})
    seen = watch(page)
    page.goto(f"{base}/")
    assert page.locator("h2.day__title").first.inner_text() == "jeudi\xa026\xa0novembre\xa02026"
    page.check('input[name="region"][value="Bretagne"]')
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(f"{base}/?region=Bretagne")
    titles = page.locator("h3.event__title a").all_inner_texts()
    assert titles == ["Atelier réparation vélo", "Forum de l'emploi solidaire"]
    page.screenshot(path=str(ARTIFACTS / "agenda-bretagne.png"), full_page=True)

    page.get_by_role("link", name="Atelier réparation vélo").click()
    page.wait_for_url(f"{base}/events/{events['velo'].uid}?region=Bretagne")
    assert page.locator("h1").inner_text() == "Atelier réparation vélo"
    feed = f"{base}/calendar.ics?region=Bretagne"
    assert page.locator("#subscribe-webcal").get_attribute("href") == "webcal://" + feed.split("://", 1)[1]
    assert page.locator("#feed-url").input_value() == feed
    page.screenshot(path=str(ARTIFACTS / "event-page.png"), full_page=True)

    subscribed = page.request.get(feed)
    assert subscribed.headers["content-type"] == "text/calendar; charset=utf-8"
    assert sorted(uids(parse_three_ways(subscribed.body()))) == sorted(
        [events["velo"].uid, events["forum"].uid]
    )
    assert seen == {"dialogs": [], "violations": []}
    page.close()


def test_browsing_works_without_javascript(site, browser):
    base, _ = site
    context = browser.new_context(java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/mois/2026-11")
    page.locator("summary", has_text="Filtrer").click()  # folded without the script that opens it
    page.check('input[name="region"][value="Bourgogne-Franche-Comté"]')
    page.locator("form.filters button[type=submit]").click()
    page.wait_for_url(f"{base}/mois/2026-11?region=Bourgogne-Franche-Comt%C3%A9")
    assert "ANNULÉ Conférence sur les coopératives" in page.locator("table.month").inner_text()
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    context.close()


def test_hostile_titles_show_as_text_and_never_run(site, browser):
    base, events = site
    page = browser.new_page(locale="fr-FR")
    seen = watch(page)
    for path in (
        "/?region=%C3%8Ele-de-France",
        f"/events/{events['xss'].uid}",
        f"/events/{events['xss_attribute'].uid}",
        "/mois/2026-11",
    ):
        page.goto(base + path)
        for title in (XSS_TITLE, XSS_ATTRIBUTE):
            found = page.get_by_text(title, exact=True)
            if found.count():
                found.first.hover()
        page.wait_for_timeout(100)
    page.goto(f"{base}/?region=%C3%8Ele-de-France")
    assert page.locator("h3.event__title a").all_inner_texts() == [XSS_TITLE, XSS_ATTRIBUTE]
    page.screenshot(path=str(ARTIFACTS / "hostile-titles.png"), full_page=True)
    assert seen["dialogs"] == []
    page.close()
