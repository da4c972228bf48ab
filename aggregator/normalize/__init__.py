"""Normalization: an item as a spider produced it → the columns of a Listing."""

from aggregator.normalize.listing import NormalizationError, normalize_item

__all__ = ["NormalizationError", "normalize_item"]
