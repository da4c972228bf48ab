"""Deploy the project to Scrapyd nodes: build its egg and upload it with addversion.json.

Scrapyd runs a project from an egg that names its Scrapy settings module (entry point
``scrapy.settings``). Ours carries that entry point and the version, not the code: an egg cannot carry
compiled dependencies (lxml, psycopg) nor the data files read from disk, so each node runs the
``ess-agenda`` package installed next to Scrapyd (``pip install ess-agenda==VERSION scrapyd``), the same
version as the scheduler.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Sequence
from importlib.metadata import version as package_version

from aggregator.executors.scrapyd import ScrapydNode

SETTINGS_MODULE = "spiders.settings"  # as in scrapy.cfg [settings]


def egg_version() -> str:
    """The package version, made unique per deployment so Scrapyd runs the latest one."""
    return f"{package_version('ess-agenda')}+{int(time.time())}"


def build_egg(version: str) -> bytes:
    """The project egg: metadata and the Scrapy settings entry point."""
    metadata = f"Metadata-Version: 1.1\nName: ess-agenda\nVersion: {version}\nRequires: ess-agenda\n"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as egg:
        egg.writestr("EGG-INFO/PKG-INFO", metadata)
        egg.writestr("EGG-INFO/entry_points.txt", f"[scrapy]\nsettings = {SETTINGS_MODULE}\n")
        egg.writestr("EGG-INFO/top_level.txt", "")
        egg.writestr("EGG-INFO/zip-safe", "")
    return buffer.getvalue()


def deploy(urls: Sequence[str], version: str | None = None) -> list[tuple[str, int]]:
    """Upload the egg to every node; returns each node's URL and the spiders it found."""
    version = version or egg_version()
    egg = build_egg(version)
    return [(node.url, node.add_version(version, egg)) for node in map(ScrapydNode, urls)]
