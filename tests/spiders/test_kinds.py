"""The kinds core.kinds registers are the spiders Scrapy finds: a source's kind is the spider run."""

from scrapy.settings import Settings
from scrapy.spiderloader import SpiderLoader

from core.kinds import BLOCKS, DISCOVERY_ORDER, KINDS


def test_every_kind_is_a_spider_and_every_spider_a_kind():
    settings = Settings()
    settings.setmodule("spiders.settings")
    assert sorted(SpiderLoader(settings).list()) == sorted(KINDS)


def test_discovery_ranks_only_kinds_it_can_crawl():
    # blocks, an agenda of cards, is crawled by the auto kind: every other candidate is a kind.
    assert set(DISCOVERY_ORDER) - set(KINDS) == {BLOCKS}
