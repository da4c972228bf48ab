"""The admin in headless Chromium: sign in, add a source found by discovery, crawl it, see the run."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect
from werkzeug.serving import make_server

from aggregator.cli import web_app
from aggregator.db import get_sessionmaker
from aggregator.scheduler import CrawlScheduler, Timing
from aggregator.users import add_user
from tests.crawl_helpers import wait_for

PASSWORD = "correct horse battery"


@pytest.fixture
def admin_site(sqlite_db: str) -> Iterator[str]:
    """The web app as deployed (secure cookies and all) and a scheduler, both on this database."""
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
    server = make_server(
        "127.0.0.1",
        0,
        web_app({"DATABASE_URL": sqlite_db, "SECRET_KEY": "e2e-" + "k" * 40}),
        threaded=True,
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    scheduler = CrawlScheduler(
        database_url=sqlite_db, timing=Timing(0.3, 0.2, 2.0), identity=f"test-{uuid.uuid4().hex[:6]}"
    )
    stop = threading.Event()
    thread = threading.Thread(target=scheduler.run, args=(stop,))
    thread.start()
    try:
        wait_for(scheduler.leading.is_set, timeout=10)
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        stop.set()
        thread.join(timeout=30)
        server.shutdown()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = browser.new_page(locale="fr-FR")
    yield page
    page.close()


def test_add_a_source_crawl_it_and_see_the_run(page: Page, admin_site: str, samples_base: str):
    page.goto(f"{admin_site}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.get_by_label("Nom").fill("alice")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", name="Sources")).to_be_visible()

    page.get_by_role("link", name="Ajouter une source").first.click()
    page.get_by_label("Adresse du site").fill(f"{samples_base}/adess-brest/")
    page.get_by_label("Nom court (identifiant)").fill("adess-brest")
    page.get_by_label("Région par défaut").fill("Bretagne")
    expect(page.get_by_label("Type")).to_have_value("auto")
    page.get_by_role("button", name="Découvrir").click()
    findings = page.locator(".admin-findings-table")
    expect(findings).to_contain_text("tribe")
    expect(findings).to_contain_text("/wp-json/tribe/events/v1/events")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="adess-brest")).to_be_visible()

    page.get_by_role("button", name="Explorer maintenant").click()
    expect(page.locator(".admin-flashes")).to_contain_text("Exploration demandée")
    run_row = page.locator("tr[data-run]").first

    def run_closed() -> bool:
        page.reload()
        return run_row.count() == 1 and "réussie" in run_row.inner_text()

    wait_for(run_closed, timeout=90, interval=1)
    expect(run_row).to_contain_text("à la demande")
    run_row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile("Exploration n° 1"))).to_be_visible()
    expect(page.locator(".admin-dl")).to_contain_text("7 nouvelles")

    def log_kept() -> bool:  # the executor keeps the log tail once the crawl process has exited
        page.reload()
        return "Spider closed (finished)" in page.locator(".admin-log").inner_text()

    wait_for(log_kept, timeout=30, interval=0.5)

    page.get_by_role("link", name="Sources").first.click()
    source_row = page.locator('tr[data-source="adess-brest"]')
    expect(source_row).to_contain_text("en bonne santé")
    expect(source_row.locator("td").nth(4)).to_have_text("7")

    source_row.get_by_role("link", name="adess-brest").first.click()
    page.locator(".admin-delete summary").click()  # opens the confirmation
    expect(page.locator(".admin-delete")).to_contain_text("efface ses 7 annonces")
    page.get_by_label("Pour confirmer, tapez le nom de la source").fill("adess-brest")
    page.get_by_role("button", name="Supprimer la source").click()
    expect(page.locator(".admin-flashes")).to_contain_text("Source adess-brest supprimée avec 7 annonces")
    expect(page.locator('tr[data-source="adess-brest"]')).to_have_count(0)
