"""Vendored official data: the French administrative geography (see build_geography.py)."""
