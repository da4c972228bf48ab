"""Normalization: an item as a spider produced it → the columns of a Listing.

Places resolve against the official geography (geography.py, places.py), times in the event's own
zone (zones.py, times.py); categories.py holds the category vocabulary the agenda offers as facets.
"""

from aggregator.normalize.categories import BY_SLUG, CATEGORIES, Category
from aggregator.normalize.listing import NormalizationError, normalize_item

__all__ = ["BY_SLUG", "CATEGORIES", "Category", "NormalizationError", "normalize_item"]
