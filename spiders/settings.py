"""Scrapy settings for ESS Agenda's spiders: politeness, limits and the item pipelines.

A source may override some of these through its ``options`` (``max_pages``, ``max_bytes``,
``timeout``, ``delay``, ``settings``): which ones, and within which bounds, is said in
spiders.kinds.base.
"""

import os

# The name every fetch goes under (ESS_CONTACT_URL from ESS_AGENDA_CONTACT_URL), settings of the crawl too.
from core.http import ESS_CONTACT_URL as ESS_CONTACT_URL
from core.http import USER_AGENT as USER_AGENT

BOT_NAME = "ess_agenda"
SPIDER_MODULES = ["spiders.kinds"]
NEWSPIDER_MODULE = "spiders.kinds"
SPIDER_LOADER_WARN_ONLY = True  # a kind that fails to import must not stop the other kinds' crawls

ROBOTSTXT_USER_AGENT = "ESS-Agenda"  # the token partner sites name in their robots.txt

# Politeness: partner sites are small associations' servers.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Scrapy starts this many asyncio workers for every response's output; the pipelines are
# synchronous, so more than one only costs time (bench/crawl.py shows it).
CONCURRENT_ITEMS = 1
# Scrapy's check for generator callbacks returning a value re-reads the callback's source whenever
# its weak cache loses the bound method, that is on nearly every response.
WARN_ON_GENERATOR_RETURN_VALUE = False
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.5
AUTOTHROTTLE_MAX_DELAY = 10.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_DELAY = 0

# Thrift and limits: a broken or hostile site must not hold a crawl forever.
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 2  # initial response + 2 retries
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024  # no agenda page or feed is that big; a larger one is refused
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
CLOSESPIDER_PAGECOUNT = 2000
CLOSESPIDER_TIMEOUT = 15 * 60
# No depth limit: pagination chains (next_rest_url, "page suivante") are deep, and a limit would cut
# them silently, so the listings past it would be marked removed. The page cap bounds a crawl
# instead, and reaching it makes the run partial (nothing removed).
DEPTH_LIMIT = 0
REDIRECT_MAX_TIMES = 5

COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
LOG_LEVEL = os.environ.get("ESS_AGENDA_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"

EXTENSIONS = {
    "scrapy.extensions.throttle.AutoThrottle": None,
    "spiders.throttle.NotModifiedAutoThrottle": 0,  # a 304 may lower the delay, as a 200 does
    "spiders.log_level.LogLevel": 0,  # messages below LOG_LEVEL are not built at all
    "spiders.writer.CrawlWriter": 0,  # the crawl's one database writer, off the event loop
}

SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "spiders.middlewares.NamedUrlLengthMiddleware": 800,  # the same limit, every dropped URL named
    "spiders.item_bounds.ItemBoundsMiddleware": 950,  # nearest the spider: sees every item first
}

DOWNLOADER_MIDDLEWARES = {
    "spiders.middlewares.ConditionalRequestMiddleware": 580,
    "spiders.middlewares.CharsetMiddleware": 570,  # after the replay of a remembered body
}

ITEM_PIPELINES = {
    "spiders.pipelines.NormalizePipeline": 200,
    "spiders.pipelines.StorePipeline": 300,
}

# ESS Agenda's own settings.
ESS_DATABASE_URL = os.environ.get("ESS_AGENDA_DATABASE_URL")  # None: aggregator.config default
ESS_STORE_ENABLED = True
ESS_CONDITIONAL_REQUESTS = True
ESS_RECURRENCE_HORIZON_DAYS = 365  # recurring series are expanded this many days ahead
ESS_RECURRENCE_PAST_DAYS = 365  # and this many days back; single events are kept at any date
ESS_MAX_OCCURRENCES = 1000  # occurrences kept per recurring event; the rest is noted on the run
ESS_MAX_EVENTS = 5000  # events kept per crawl of a source; past it the run is partial
ESS_STORE_BATCH_SIZE = 200  # listings written per transaction
ESS_HTTP_CACHE_MAX_BYTES = 5 * 1024 * 1024  # bodies kept to replay on 304; larger ones are refetched
# Where OpenAgenda embeds point; the auto kind builds agenda export URLs on it.
ESS_OPENAGENDA_URL = os.environ.get("ESS_AGENDA_OPENAGENDA_URL", "https://openagenda.com")
# Where Google Calendar embeds' public .ics feeds are read (tests serve them on 127.0.0.1).
ESS_GOOGLE_CALENDAR_URL = os.environ.get("ESS_AGENDA_GOOGLE_CALENDAR_URL", "https://calendar.google.com")
