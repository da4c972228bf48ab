"""ESS Agenda's aggregator: the shared database, normalization, deduplication and crawl control."""
