"""Fetching a page an operator's form names, without reaching the server's own networks.

Since an admin's form decides what is fetched, it must not become a way to reach the machines behind
the server: a fetch connects only to public addresses (unless the operator's setting
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
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from core.http import WEB_SCHEMES


class DiscoveryError(ValueError):
    """A page that cannot, or may not, be read."""


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


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str | None
    links: list[str]  # the Link headers


def fetch(url: str, *, allow_private: bool, timeout: float, user_agent: str, max_bytes: int) -> Fetched:
    """GET ``url`` within these limits.

    :raise DiscoveryError: the page cannot be fetched, or its address is not public.
    """
    request = urllib.request.Request(url, headers={"User-Agent": user_agent})
    try:
        with _opener(allow_private).open(request, timeout=timeout) as response:
            return Fetched(
                response.geturl(),
                response.read(max_bytes),
                response.headers.get("Content-Type"),
                response.headers.get_all("Link") or [],
            )
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
