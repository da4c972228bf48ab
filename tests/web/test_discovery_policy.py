"""The admin's discovery never probes the server's own networks and never holds the public site's
threads, over real HTTP."""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from aggregator.cli import web_app
from aggregator.db import get_sessionmaker
from aggregator.discovery import DiscoveryError, discover_url
from aggregator.guarded_fetch import PrivateAddress
from aggregator.users import add_user
from tests.web.live import csrf_token, serving_with_threads, sign_in

PASSWORD = "correct horse battery"
PAGE = '<html><head><link rel="alternate" type="text/calendar" href="/agenda.ics"></head></html>'


@pytest.fixture
def partner() -> Iterator[tuple[str, threading.Event, list[str]]]:
    """A site on 127.0.0.1 that redirects to ftp:// at /ftp and, elsewhere, answers once released."""
    released = threading.Event()
    asked: list[str] = []

    @Request.application
    def site(request: Request) -> Response:
        asked.append(request.path)
        if request.path == "/ftp":
            return Response(status=302, headers={"Location": "ftp://127.0.0.1/agenda.ics"})
        released.wait(timeout=60)
        return Response(PAGE, mimetype="text/html")

    server = make_server("127.0.0.1", 0, site, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", released, asked
    finally:
        released.set()
        server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/",
        "http://localhost:{port}/",
        "http://0x7f000001:{port}/",
        "http://2130706433:{port}/",
        "http://[::1]:{port}/",
        "http://[::ffff:127.0.0.1]:{port}/",
        "http://10.1.2.3:5432/",
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:{port}/",
    ],
)
def test_private_addresses_are_refused_before_any_connection(partner: Any, url: str):
    base, released, asked = partner
    released.set()
    port = base.rsplit(":", 1)[1]
    with pytest.raises(PrivateAddress, match="only public sites can be added"):
        discover_url(url.format(port=port), allow_private=False, timeout=5)
    assert asked == []


def test_errors_do_not_tell_an_open_port_from_a_closed_one():
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
    mute = socket.socket()
    mute.bind(("127.0.0.1", 0))
    mute.listen()  # accepts, never answers
    try:
        messages = []
        for sock in (closed, mute):
            url = f"http://127.0.0.1:{sock.getsockname()[1]}/"
            with pytest.raises(DiscoveryError) as caught:
                discover_url(url, allow_private=True, timeout=1)
            messages.append(str(caught.value).replace(url, "URL"))
        assert messages == ["cannot fetch URL: no answer from the site"] * 2
    finally:
        closed.close()
        mute.close()


def test_a_redirect_to_ftp_is_not_followed(partner: Any):
    base, _, asked = partner
    with pytest.raises(DiscoveryError, match="redirects to a non-http"):
        discover_url(f"{base}/ftp", allow_private=True, timeout=5)
    assert asked == ["/ftp"]


def test_slow_discoveries_leave_the_public_site_its_threads(sqlite_db: str, partner: Any):
    base, released, _ = partner
    with get_sessionmaker(sqlite_db).begin() as session:
        add_user(session, "alice", PASSWORD)
    config = {"TESTING": True, "DATABASE_URL": sqlite_db, "SECURE_COOKIES": False}
    with serving_with_threads(web_app({**config, "ALLOW_PRIVATE_SOURCES": True}), threads=4) as site:
        browser, _ = sign_in(site, "alice", PASSWORD)
        token = csrf_token(browser.get(f"{site}/admin/sources/new", timeout=10).text)
        cookies = browser.cookies.get_dict()

        def discover(number: int) -> str:
            data = {"csrf_token": token, "url": f"{base}/site{number}/", "discover": "1"}
            return requests.post(f"{site}/admin/sources/new", data=data, cookies=cookies, timeout=30).text

        with ThreadPoolExecutor(9) as pool:
            pages = list(pool.map(discover, range(9)))
        assert all("La découverte continue" in p or "too many discoveries" in p for p in pages)
        # The partner still has not answered one of them, and the agenda answers.
        assert requests.get(f"{site}/", timeout=30).status_code == 200
        released.set()
        found = ""
        for _ in range(10):
            found = discover(0)
            if "admin-findings-table" in found:
                break
        assert re.search(r"<code>http://127\.0\.0\.1:\d+/agenda\.ics</code>", found)
