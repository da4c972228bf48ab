"""The encoding a page's or feed's bytes are really in, when the one it declares is wrong or missing.

Many partner sites send ``charset=utf-8`` in front of bytes their database kept in windows-1252, or
declare windows-1252 (ISO-8859-1) for UTF-8 bytes, or declare nothing at all. The bytes decide, as a
browser would for a French page: bytes that are valid UTF-8 and hold non-ASCII text are UTF-8 whatever
the page says; bytes that are not valid UTF-8 while the page says UTF-8, or nothing, are windows-1252
(the WHATWG default for Western pages, of which ISO-8859-1 is a subset). Statistical detectors such as
charset-normalizer read short French pages as mac_roman or cp1250, so they are not asked.
"""

from __future__ import annotations

import codecs

UTF8 = "utf-8"
WINDOWS_1252 = "cp1252"
# Declared encodings whose reading the bytes may overrule; any other (UTF-16, Shift_JIS…) is trusted.
_UNICODE = frozenset({"utf-8", "utf-8-sig"})
_WESTERN = frozenset({"ascii", "latin-1", "iso8859-1", "iso8859-15", "cp1252"})
_NAMES = {UTF8: "UTF-8", WINDOWS_1252: "windows-1252"}


def codec_name(encoding: str | None) -> str | None:
    """Python's canonical name of ``encoding`` ("UTF8" → "utf-8", "latin1" → "iso8859-1"), or None."""
    if not encoding:
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except LookupError:
        return None


def actual_encoding(body: bytes, declared: str | None) -> str | None:
    """The encoding ``body`` must be read with, or None when ``declared`` reads it right."""
    if body.isascii():
        return None
    codec = codec_name(declared)
    if codec is not None and codec not in _UNICODE and codec not in _WESTERN:
        return None
    if _is_utf8(body):
        return None if codec in _UNICODE else UTF8
    if codec is None or codec in _UNICODE:
        return WINDOWS_1252
    return None


def decode(body: bytes, declared: str | None = None) -> tuple[str, str | None]:
    """``body`` as text, and the encoding that overruled ``declared`` (None when it was right)."""
    actual = actual_encoding(body, declared)
    encoding = actual or codec_name(declared) or UTF8
    return body.decode(encoding, errors="replace"), actual


def charset_note(url: str, declared: str | None, actual: str) -> str:
    """What the crawl run says of a repaired charset."""
    said = f"the declared charset {declared}" if declared else "no declared charset"
    return f"{url}: the bytes contradict {said}; read as {_NAMES.get(actual, actual)}"


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode(UTF8)
    except UnicodeDecodeError:
        return False
    return True
