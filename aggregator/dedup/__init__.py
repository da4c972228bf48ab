"""Deduplication: listings → canonical events with stable UIDs."""

from aggregator.dedup.engine import DedupStats, deduplicate, pending_listing_ids, rebuild

__all__ = ["DedupStats", "deduplicate", "pending_listing_ids", "rebuild"]
