"""``pks-geo serve`` in its own process for tests that drive real clients (GDAL, curl-like
urllib) against it: GDAL reads while holding the GIL, so an in-process server thread could
not answer it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def live_server(database_url: str, **settings: str) -> Iterator[str]:
    """Start the server on a free port with ``PKS_GEO_<NAME>`` settings; yield its base URL.
    Its log (stderr) goes to a temporary file whose path is ``live_server.log_path``."""
    port = free_port()
    env = {**os.environ, "PKS_GEO_DATABASE_URL": database_url,
           **{f"PKS_GEO_{name.upper()}": value for name, value in settings.items()}}
    log_path = f"/tmp/pks-geo-live-{port}.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, "-c", "from pks_geo.cli import main; main()", "serve",
                                 "--port", str(port), "--threads", "4"], env=env,
                                stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    live_server.log_path = log_path  # type: ignore[attr-defined]
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        os.unlink(log_path)
