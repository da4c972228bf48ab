"""Vocabularies shared by spiders, pipelines and the aggregator."""

CONFIRMED = "confirmed"
CANCELLED = "cancelled"
POSTPONED = "postponed"
STATUSES = (CONFIRMED, CANCELLED, POSTPONED)

KINDS = ("auto", "ical", "jsonld", "tribe", "openagenda", "rss", "html")

WEB_SCHEMES = ("http", "https")  # the only links followed, stored or published

DEFAULT_TIMEZONE = "Europe/Paris"
