"""Extraction helpers shared by several spider kinds."""
