"""Serve the bundled sample partner sites on 127.0.0.1 from a background thread."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

from aggregator.samples.serve import handler_for

SAMPLES = Path(__file__).parent / "samples"
SITES = SAMPLES / "sites"
SOURCES_FILE = SAMPLES / "sources.yaml"
EXPECTED_FILE = SAMPLES / "expected.json"


@contextmanager
def serve_sites(root: Path = SITES, port: int = 0) -> Iterator[str]:
    """Serve ``root`` while the block runs; yields the base URL (no trailing slash)."""
    server = ThreadingHTTPServer(("127.0.0.1", port), handler_for(str(root)))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
