"""Where a ``next`` parameter may send a visitor back to: a path on this site, nothing else."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

# Browsers drop tabs and newlines from URLs and read "\" as "/": "/\t/evil.example" is "//evil.example".
UNSAFE = re.compile(r"[\x00-\x20\x7f\\]")


def local_path(target: str | None, default: str = "/") -> str:
    """``target`` when it is a path of this site (no scheme, no host, no control character, no
    backslash), else ``default``."""
    if not target or UNSAFE.search(target) or not target.startswith("/") or target.startswith("//"):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
