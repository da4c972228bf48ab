"""Deduplication: listings → canonical events with stable UIDs."""

from aggregator.dedup.engine import DedupStats, deduplicate, rebuild

__all__ = ["DedupStats", "deduplicate", "rebuild"]
