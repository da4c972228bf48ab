"""The sample sites crawled two years on: the same agenda, moved by the same days.

The demo serves the samples moved to the week it runs in; this proves the move leaves nothing behind
in any format, since the crawl scores exactly as the unmoved one does against expected.json moved alike.
"""

from __future__ import annotations

import json
from datetime import timedelta

from aggregator.clock import ANCHOR_ENV, NOW_ENV
from aggregator.db import dispose_engine
from aggregator.sample_dates import DateShifter
from aggregator.samples_server import EXPECTED_FILE, samples_today
from bench.score_samples import crawl_samples, load, report, score

WEEKS = 104


def test_samples_crawled_two_years_on_score_as_the_original(tmp_path, monkeypatch):
    day = samples_today() + timedelta(weeks=WEEKS)
    monkeypatch.setenv(NOW_ENV, f"{day.isoformat()}T12:00:00+01:00")
    monkeypatch.delenv(ANCHOR_ENV)
    shifter = DateShifter(7 * WEEKS, samples_today())
    expected = json.loads(shifter.document(EXPECTED_FILE.read_bytes(), "application/json"))
    assert expected["today"] == day.isoformat()
    url = f"sqlite:///{tmp_path / 'moved.sqlite3'}"
    crawl_samples(url)
    result = score(*load(url, expected), expected)
    dispose_engine(url)
    print(report(result))
    assert result.passed(), report(result)
    assert result.found == result.expected
