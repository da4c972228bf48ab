"""What discovery found on a partner site, kept on ``Source.discovered`` for the operator.

The ``auto`` kind records every candidate it saw, what fetching each one showed and the one it
crawled. ``discover_url`` reads a homepage outside any crawl, so an operator can see what a site
offers before saving it as a source.

Since an admin's form decides what ``discover_url`` fetches, it must not become a way to reach the
machines behind the server: it connects only to public addresses (unless the operator's setting
ESS_AGENDA_ALLOW_PRIVATE_SOURCES allows private ones, as the demo and the tests do), to the address
it checked (no second DNS answer), through no proxy, following http(s) redirects only, and says
"no answer" alike whether a port is closed, filtered or silent.
"""

from __future__ import annotations

import functools
import http.client
import ipaddress
import socket
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from sqlalchemy import select
from w3lib.encoding import html_to_unicode

from aggregator.config import get_settings
from aggregator.db import get_sessionmaker
from aggregator.models import Source
from aggregator.types import utcnow
from spiders.extract.discover import OPENAGENDA_URL, Candidate, discover, sniff
from spiders.extract.links import WEB_SCHEMES
from spiders.settings import USER_AGENT

MAX_PAGE_BYTES = 2 * 1024 * 1024
TIMEOUT_SECONDS = 15.0
NOT_TRIED = "not tried"
CHOSEN = "chosen"


class DiscoveryError(ValueError):
    """A homepage that cannot be read."""


class PrivateAddress(DiscoveryError):
    """An address on the server's own networks (loopback, private, link-local…), not to be fetched."""


def is_public(ip: str) -> bool:
    """Whether ``ip`` is an address of the public internet."""
    address = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def public_addresses(host: str, port: int) -> list[tuple[Any, ...]]:
    """Every address ``host`` resolves to, all of them public.

    :raise PrivateAddress: one of them is not public.
    :raise OSError: the name does not resolve.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    if any(not is_public(str(info[4][0])) for info in infos):
        raise PrivateAddress(
            f"{host} is an address of a private network (loopback, private or link-local): "
            "only public sites can be added"
        )
    return infos


def _guarded_connection(address: tuple[str, int], timeout: Any = None, *_args: Any) -> socket.socket:
    """socket.create_connection to a checked public address of ``address``'s host."""
    host, port = address
    last: OSError | None = None
    for family, kind, proto, _name, sockaddr in public_addresses(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if isinstance(timeout, int | float):
                sock.settimeout(timeout)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last or OSError(f"no address for {host}")


def _connection_class(base: type[http.client.HTTPConnection], allow_private: bool) -> Callable[..., Any]:
    def build(*args: Any, **kwargs: Any) -> http.client.HTTPConnection:
        connection = base(*args, **kwargs)
        if not allow_private:
            connection._create_connection = _guarded_connection  # type: ignore[attr-defined]
        return connection

    return build


class _HTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.connection = _connection_class(http.client.HTTPConnection, allow_private)

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, allow_private: bool) -> None:
        super().__init__()
        self.connection = _connection_class(http.client.HTTPSConnection, allow_private)

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(self.connection, req, context=self._context)  # type: ignore[attr-defined]


class _WebRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects to http(s) only (urllib would follow one to ftp://)."""

    def redirect_request(
        self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme.lower() not in WEB_SCHEMES:
            raise DiscoveryError(f"cannot fetch {req.full_url}: it redirects to a non-http(s) address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


@functools.cache
def _opener(allow_private: bool) -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({}),  # a proxy would be the one checked, not the site
        _HTTPHandler(allow_private),
        _HTTPSHandler(allow_private),
        _WebRedirects(),
    )


def discovery_report(
    url: str, candidates: Iterable[Candidate], outcomes: Mapping[Candidate, str], chosen: Candidate | None
) -> dict[str, Any]:
    """The JSON kept on ``Source.discovered``: when, from where, every candidate and the choice."""
    return {
        "checked_at": utcnow().isoformat(timespec="seconds"),
        "url": url,
        "chosen": chosen.as_dict() if chosen else None,
        "candidates": [{**c.as_dict(), "outcome": outcomes.get(c, NOT_TRIED)} for c in candidates],
    }


def record_discovery(source_name: str, report: Mapping[str, Any], database_url: str | None = None) -> bool:
    """Keep ``report`` on the source named ``source_name``; False when there is no such source."""
    with get_sessionmaker(database_url).begin() as session:
        source = session.scalars(select(Source).where(Source.name == source_name)).one_or_none()
        if source is None:
            return False
        source.discovered = dict(report)
        return True


def discover_url(
    url: str,
    timeout: float = TIMEOUT_SECONDS,
    openagenda_url: str = OPENAGENDA_URL,
    user_agent: str | None = None,
    allow_private: bool | None = None,
) -> list[Candidate]:
    """Fetch the page at ``url`` and list the event sources it declares or suggests, best first.

    ``allow_private`` (default: ESS_AGENDA_ALLOW_PRIVATE_SOURCES) lets it fetch from loopback and
    private addresses.

    :raise DiscoveryError: the address is not http(s) or not public, or the page cannot be fetched.
    """
    url = url.strip()
    if urlsplit(url).scheme not in WEB_SCHEMES:
        raise DiscoveryError(f"{url!r} is not an http(s) address")
    if allow_private is None:
        allow_private = get_settings().allow_private_sources
    request = urllib.request.Request(url, headers={"User-Agent": user_agent or USER_AGENT})
    try:
        with _opener(allow_private).open(request, timeout=timeout) as response:
            body = response.read(MAX_PAGE_BYTES)
            content_type = response.headers.get("Content-Type")
            links = response.headers.get_all("Link") or []
            final_url = response.geturl()
    except DiscoveryError:
        raise
    except urllib.error.HTTPError as exc:
        raise DiscoveryError(f"cannot fetch {url}: the site answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, TimeoutError, OSError, ValueError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None)
        if isinstance(reason, DiscoveryError):
            raise reason from exc
        # Refused, reset, silent or unknown alike: the wording must not tell an open port from a closed one.
        raise DiscoveryError(f"cannot fetch {url}: no answer from the site") from exc
    sniffed = sniff(final_url, body)
    if sniffed is not None:
        return [sniffed]
    _, text = html_to_unicode(content_type, body)
    return discover(text, final_url, links, openagenda_url)
