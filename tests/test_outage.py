"""A real database outage (issue 13): the app talks to PostGIS through a TCP relay this test
owns; closing the relay (listener and every open connection) is the outage, opening it again the
recovery. Meanwhile the API, OGC API and tiles answer ``503 {"error": "database unavailable"}``,
HTML routes a short page in the request's language, ``/healthz`` 503, and the log gets one warning
per outage and no traceback; afterwards the same app answers again without a restart."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from pks_geo.queries.version_watch import watcher_for
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, get_dataset
from tests.web_support import logged_in

API_URLS = ["/api/v1/choropleth?level=desa", "/api/v1/areas?level=kecamatan", "/api/v1/meta",
            "/api/v1/timeseries?interval=month", "/tiles/areas-desa/10/860/523.pbf",
            "/ogc/collections/areas/items?limit=5", "/api/v1/views"]


class Relay:
    """A TCP relay from a loopback port to the database server, which can be cut and restored."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.listener: socket.socket | None = None
        self.open: set[socket.socket] = set()
        self.lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(32)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        if self.listener is not None:
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            for sock in self.open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.open |= {client, server}
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture
def relay(ds: Dataset) -> Iterator[tuple[Relay, str]]:
    url = make_url(ds.url)
    r = Relay(url.host or "127.0.0.1", url.port or 5432)
    r.start()
    try:
        yield r, url.set(host="127.0.0.1", port=r.port).render_as_string(hide_password=False)
    finally:
        r.stop()


def _app_log(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name != "pks_geo.access" and r.levelno >= logging.INFO]


def test_outage_answers_503_logs_once_and_recovers(relay: tuple[Relay, str], ds: Dataset,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    from pks_geo.auth.users import add_user

    proxy, url = relay
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    add_user(ds.engine, "uji-padam", "viewer", "password-uji-padam", actor="test")
    viewer = logged_in(app, "uji-padam", "password-uji-padam")
    client = app.test_client()
    for path in API_URLS:
        assert client.get(path).status_code == 200, path
    assert viewer.get("/peta").status_code == 200
    caplog.set_level(logging.INFO)
    for outage in (1, 2):
        caplog.clear()
        proxy.stop()
        # answers cached in memory stay valid until the data-version listener notices (~0.1 s)
        deadline = time.monotonic() + 5
        while watcher_for(app.extensions["pks_geo.engine"]).listening and time.monotonic() < deadline:
            time.sleep(0.05)
        for _ in range(3):
            for path in API_URLS:
                response = client.get(path)
                assert response.status_code == 503, (path, response.status_code, response.data[:200])
                assert response.get_json() == {"error": "database unavailable"}, path
                assert response.headers["Retry-After"] == "30"
        # a logged-in user's page: the session check itself meets the outage
        page = viewer.get("/peta")
        assert page.status_code == 503 and page.mimetype == "text/html"
        assert "Basis data tidak tersedia" in page.get_data(as_text=True)
        english = viewer.get("/briefing?lang=en")
        assert english.status_code == 503 and "Database unavailable" in english.get_data(as_text=True)
        assert "script-src 'self'" in english.headers["Content-Security-Policy"]
        api_client = viewer.get("/api/v1/incidents", headers={"Accept": "application/json"})
        assert api_client.status_code == 503 and api_client.get_json() == {"error": "database unavailable"}
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["database"] == "unreachable"
        during = _app_log(caplog)
        warnings = [r for r in during if r.levelno >= logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
        assert "database unavailable" in warnings[0].getMessage()
        assert f":{proxy.port}/" in warnings[0].getMessage()
        assert not any(r.exc_info for r in caplog.records), "a traceback was logged"
        # at most the data-version listener's line beside it, one line each
        assert len(during) <= 2 and not any("\n" in r.getMessage() for r in during), during

        caplog.clear()
        proxy.start()
        for path in API_URLS:
            assert client.get(path).status_code == 200, (outage, path)
        assert viewer.get("/peta").status_code == 200
        assert client.get("/healthz").status_code == 200
        back = [r.getMessage() for r in _app_log(caplog)]
        assert len([m for m in back if "reachable again" in m]) == 1, back
        assert "requests answered 503" in next(m for m in back if "reachable again" in m)
        assert not any(r.levelno >= logging.WARNING for r in _app_log(caplog)), back


def test_a_failing_statement_is_not_an_outage(ds: Dataset) -> None:
    """Only lost connections count: a statement error keeps its normal handling."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError, OperationalError

    from pks_geo.web.outage import is_outage

    with pytest.raises(OperationalError) as cancelled, ds.engine.connect() as conn:
        conn.execute(text("SET statement_timeout = 10"))
        conn.execute(text("SELECT pg_sleep(1)"))
    assert not is_outage(cancelled.value)
    with pytest.raises(DBAPIError) as wrong, ds.engine.connect() as conn:
        conn.execute(text("SELECT 1/0"))
    assert not is_outage(wrong.value)
    closed = make_url(ds.url).set(port=1)
    from sqlalchemy import create_engine

    with pytest.raises(OperationalError) as refused:
        create_engine(closed).connect()
    assert is_outage(refused.value)
