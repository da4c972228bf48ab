"""One generic spider per source kind."""
