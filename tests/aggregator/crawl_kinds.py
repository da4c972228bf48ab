"""Spider kinds that misbehave on purpose, for the crawl execution tests (SPIDER_MODULES)."""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator
from typing import Any

from spiders.kinds.base import EventSpider


class HangingSpider(EventSpider):
    """Blocks its reactor: neither CLOSESPIDER_TIMEOUT nor SIGTERM can stop it, only SIGKILL."""

    name = kind = "test-hang"

    async def start(self) -> AsyncIterator[Any]:
        time.sleep(3600)
        yield


class CrashingSpider(EventSpider):
    """Dies the way a segfaulting parser would: at once, without closing anything."""

    name = kind = "test-crash"

    async def start(self) -> AsyncIterator[Any]:
        print("about to crash", flush=True)
        os._exit(3)
        yield
