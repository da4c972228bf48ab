"""AutoThrottle that takes a 304 Not Modified for the cheap success it is.

Scrapy's AutoThrottle never lowers its delay after a non-200 answer, so that small error pages do not
speed a crawl up. A re-crawl of an unchanged site answers 304 to nearly every request: it would crawl
at AUTOTHROTTLE_START_DELAY per page for its whole length, and a large source would reach its time
limit. Here a 304 adjusts the delay as a 200 does; error pages still cannot lower it.

Settings read: those of AutoThrottle (AUTOTHROTTLE_ENABLED…); enabled in place of it in EXTENSIONS.
"""

from __future__ import annotations

from scrapy.core.downloader import Slot
from scrapy.extensions.throttle import AutoThrottle
from scrapy.http import Response


class NotModifiedAutoThrottle(AutoThrottle):
    def _adjust_delay(self, slot: Slot, latency: float, response: Response) -> None:
        if response.status == 304:
            response = response.replace(status=200)
        super()._adjust_delay(slot, latency, response)
