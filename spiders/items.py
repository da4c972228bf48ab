"""EventItem: the one shape every spider kind produces."""

from __future__ import annotations

import scrapy


class EventItem(scrapy.Item):
    """One occurrence of an event as a source shows it.

    key          the source's own stable id (Tribe post id, iCal UID + RECURRENCE-ID, OpenAgenda
                 uid + timing), else the canonical URL without tracking parameters
    title        plain text, entities decoded
    description  clean text, paragraphs separated by blank lines
    start, end   datetimes, aware or naive (naive: local wall time of the event's zone); for
                 all-day events ``datetime.date`` values, ``end`` being the last day (inclusive);
                 ``end`` may be None
    all_day      bool
    timezone     IANA zone name, only when the source states one; None lets normalization take
                 the zone of the place
    location_name, address, postcode, city, insee, lat, lon, online
                 the place as the source gives it (a one-line location may stay whole in
                 ``location_name``); department/region (name or code) only when the source states them
    organizer    name of the organizing body
    categories   the source's categories and keywords, as given
    url, image   absolute URLs
    status       one of core.status.STATUSES
    raw          the source's own record, JSON-serialisable, for debugging
    page         the URL of the page the item was read from (set by spiders.item_bounds)
    """

    key = scrapy.Field()
    title = scrapy.Field()
    description = scrapy.Field()
    start = scrapy.Field()
    end = scrapy.Field()
    all_day = scrapy.Field()
    timezone = scrapy.Field()
    location_name = scrapy.Field()
    address = scrapy.Field()
    postcode = scrapy.Field()
    city = scrapy.Field()
    insee = scrapy.Field()
    department = scrapy.Field()
    region = scrapy.Field()
    country = scrapy.Field()
    lat = scrapy.Field()
    lon = scrapy.Field()
    online = scrapy.Field()
    organizer = scrapy.Field()
    categories = scrapy.Field()
    url = scrapy.Field()
    image = scrapy.Field()
    status = scrapy.Field()
    raw = scrapy.Field()
    page = scrapy.Field()
