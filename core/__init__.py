"""The vocabulary every layer shares: statuses, source kinds, zones, text folding and cleaning, the
schemes followed and the name fetches go under. It imports none of the layers (spiders, aggregator,
web), so each of them may import it."""
