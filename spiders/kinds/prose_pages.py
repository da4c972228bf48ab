"""Events written as prose on a site's own page: an association's "Agenda" page of dated lines.

The page becomes a document (its boilerplate removed), each date a candidate judged on its own
words (spiders.extract.prose); a place stated once at the top applies to the lines below it. Year-less
dates are read against the page's publication date, else the crawl's reference date. The key is the
page's canonical URL, ``#`` and the event's first day.
"""

from __future__ import annotations

from collections.abc import Iterator

from scrapy.http import TextResponse

from spiders.extract.documents import html_document
from spiders.extract.links import canonical_url
from spiders.extract.page import published_on
from spiders.extract.prose import announced_events, judged_candidates
from spiders.items import EventItem
from spiders.kinds.base import EventSpider


def page_items(spider: EventSpider, response: TextResponse) -> Iterator[EventItem]:
    """The events a page of prose announces, each candidate's verdict logged."""
    url = canonical_url(response.url)
    title = " ".join((response.css("h1::text").get() or response.css("title::text").get() or "").split())
    published = published_on(response) or spider.reference_date()
    document = html_document(spider.text_of(response), url, title, published)
    judged = judged_candidates([document])
    for entry in judged:
        spider.count("candidate_event" if entry.verdict.event else "candidate_rejected")
    events = announced_events(judged, "")
    verdicts = "; ".join(j.describe() for j in judged) or "no dated candidate"
    spider.logger.info("%s: %d event(s) of %d candidate(s): %s", url, len(events), len(judged), verdicts)
    for candidate in events:
        spider.count("event")
        status = "cancelled" if candidate.struck else spider.status_from_text(candidate.sentence)
        yield EventItem(
            **candidate.item_fields(),
            key=f"{url}#{candidate.days.first.isoformat()}",
            description=candidate.block.text,
            categories=[],
            url=url,
            status=status,
            raw={"page": url, "evidence": candidate.sentence},
        )
