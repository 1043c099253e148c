"""Run the app under waitress in a background thread on a free loopback port.

Tests and benchmarks need the real WSGI server (not Flask's test client) so that a browser
or an HTTP client can reach it; this is the one place that knows how.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask
from waitress.server import create_server


@contextmanager
def serve_in_background(app: Flask, threads: int = 4) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (port chosen by the OS); yields the base URL."""
    server = create_server(app, host="127.0.0.1", port=0, threads=threads)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
