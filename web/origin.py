"""The site's public address: when configured, every absolute link says it, whatever Host was sent.

Feed links, webcal links, canonical URLs and the API's links are built from the request's host; a
client choosing its own Host header would otherwise have them point anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment


class PublicURLError(ValueError):
    """A public base URL that is not an absolute http(s) address."""


class PublicOrigin:
    """WSGI middleware that sets the scheme, host and path prefix of ``url`` on every request."""

    def __init__(self, app: WSGIApplication, url: str) -> None:
        parts = urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise PublicURLError(f"public URL {url!r}: an address like https://agenda.example is needed")
        self.app = app
        self.scheme = parts.scheme
        self.host = parts.netloc
        self.prefix = parts.path.rstrip("/")

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ["wsgi.url_scheme"] = self.scheme
        environ["HTTP_HOST"] = self.host
        environ["SERVER_NAME"], _, port = self.host.partition(":")
        environ["SERVER_PORT"] = port or ("443" if self.scheme == "https" else "80")
        if self.prefix:
            # Served under a path: whether the proxy strips it or not, links keep it.
            environ["SCRIPT_NAME"] = self.prefix
            path = environ.get("PATH_INFO", "")
            if path == self.prefix or path.startswith(self.prefix + "/"):
                environ["PATH_INFO"] = path[len(self.prefix) :]
        return self.app(environ, start_response)


def wrap(app: Any, url: str | None) -> Any:
    """``app`` answering as ``url`` when one is set."""
    return PublicOrigin(app, url) if url else app
