"""Query parameters that track a visit rather than name a page: canonical URLs leave them out, both
for a listing's key (spiders) and for telling two sources' pages the same (dedup)."""

# Analytics and campaign parameters: they change nothing in the page but would split one event
# into several listings. Matomo (pk_, mtm_) and AT Internet (xtor, at_) are common on French sites.
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "at_", "_hs", "mc_", "hsa_", "oly_")
TRACKING_NAMES = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mkt_tok",
        "xtor",
        "_ga",
        "_gl",
        "ref_src",
    }
)


def is_tracking_parameter(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_NAMES or lowered.startswith(TRACKING_PREFIXES)
