"""The web app served over real HTTP on 127.0.0.1, for tests of what a client actually receives."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
from flask import Flask
from waitress.server import create_server
from werkzeug.serving import make_server


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """``app`` on a threaded WSGI server on a free port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def serving_with_threads(app: Flask, threads: int) -> Iterator[str]:
    """``app`` on waitress, as ``ess-agenda serve`` runs it, with this many request threads."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    stopping = threading.Event()

    def run() -> None:
        try:
            server.run()
        except (OSError, ValueError):  # its socket closed under its select() when stopped
            if not stopping.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        stopping.set()
        server.task_dispatcher.shutdown()
        server.close()
        thread.join(timeout=10)


def csrf_token(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match, "no CSRF token on the page"
    return match.group(1)


def sign_in(
    base: str, name: str, password: str, next_page: str | None = None
) -> tuple[requests.Session, requests.Response]:
    """Post the admin's login form from a new browser: the browser and the response, not followed."""
    browser = requests.Session()
    token = csrf_token(browser.get(f"{base}/admin/login", timeout=10).text)
    query = f"?next={next_page}" if next_page is not None else ""
    data = {"csrf_token": token, "name": name, "password": password}
    response = browser.post(f"{base}/admin/login{query}", data=data, allow_redirects=False, timeout=30)
    return browser, response


def post_form(browser: requests.Session, url: str, data: dict[str, str], page: str | None = None) -> Any:
    """Submit a form the way a browser does: with the token of the page it was on."""
    token = csrf_token(browser.get(page or url, timeout=10).text)
    return browser.post(url, data={"csrf_token": token, **data}, allow_redirects=False, timeout=30)
