"""What the app answers while PostgreSQL cannot be reached (issue 13).

A lost database shows up in a view (or in the authentication before it) as a SQLAlchemy error
whose cause is the connection itself: refused, reset, closed by the server, or the server
shutting down / starting up (SQLSTATE class 08, 57P01-57P03, or no SQLSTATE at all). Such an
error answers

- ``503`` with ``{"error": "database unavailable"}`` on the API, the OGC API, tiles, embed data
  and any client that asks for JSON (``Retry-After: 30``);
- ``503`` with a short page in the request's language on HTML routes.

It is logged once per outage: one warning when the first request meets it (and one info line
when a new connection succeeds again (the pool's ``connect`` event: the app recovers on its own, no
restart)), instead of a traceback per request. ``/healthz`` says ``503`` meanwhile. Other database
errors (a statement timeout, a constraint) are not outages and are left to the normal handling.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from html import escape

from flask import Flask, Response, current_app, jsonify, request
from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from pks_geo import catalogue
from pks_geo.web.i18n import current_language

log = logging.getLogger("pks_geo.web.outage")

OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03")
"""admin_shutdown, crash_shutdown, cannot_connect_now (plus class 08, connection exceptions)."""
RETRY_AFTER = "30"
JSON_PREFIXES = ("/api/", "/tiles/", "/ogc", "/embed/", "/healthz")
TEXTS = {lang: (catalogue.messages(lang)["outage_title"], catalogue.messages(lang)["outage_text"])
         for lang in catalogue.LANGUAGES}
"""The outage page's title and text (a plain page: it needs neither the database nor a template)."""
PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title} — pks-geo</title></head>
<body><main><h1>{title}</h1><p>{text}</p><p><a href="{again}">{retry}</a></p></main></body></html>
"""


def is_outage(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be reached (not a failing statement)."""
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    return sqlstate is None or sqlstate.startswith("08") or sqlstate in OUTAGE_SQLSTATES


@dataclass
class OutageState:
    """One database's outage, shared by every app on the same engine."""

    since: float | None = None
    refused: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self, engine: Engine, exc: DBAPIError) -> None:
        with self.lock:
            self.refused += 1
            if self.since is not None:
                return
            self.since = time.monotonic()
            self.refused = 1
        reason = (str(exc.orig or exc).strip().splitlines() or ["unknown"])[0]
        log.warning("database unavailable at %s:%s/%s (%s); answering 503 until it is reachable again",
                    engine.url.host, engine.url.port, engine.url.database, reason)

    def end(self, engine: Engine) -> None:
        with self.lock:
            if self.since is None:
                return
            seconds, refused = time.monotonic() - self.since, self.refused
            self.since, self.refused = None, 0
        log.info("database reachable again at %s:%s/%s after %.0f s (%d requests answered 503)",
                    engine.url.host, engine.url.port, engine.url.database, seconds, refused)


_states: weakref.WeakKeyDictionary[Engine, OutageState] = weakref.WeakKeyDictionary()
_states_lock = threading.Lock()


def state_for(engine: Engine) -> OutageState:
    with _states_lock:
        state = _states.get(engine)
        if state is None:
            state = _states[engine] = OutageState()
            ref = weakref.ref(engine)

            def connected(*_: object) -> None:
                eng = ref()
                if eng is not None:
                    state.end(eng)

            event.listen(engine, "connect", connected)
        return state


def _wants_json() -> bool:
    if request.path.startswith(JSON_PREFIXES):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _answer(exc: DBAPIError) -> Response:
    if not is_outage(exc):
        raise exc  # not an outage: the normal 500 handling (and its traceback) applies
    engine = current_app.extensions.get("pks_geo.engine")
    if engine is not None:
        state_for(engine).begin(engine, exc)
    if _wants_json():
        response = jsonify(error="database unavailable")
    else:
        lang = current_language(current_app.extensions["pks_geo.settings"].language)
        title, text = TEXTS[lang]
        retry = "Coba lagi" if lang == "id" else "Try again"
        response = Response(PAGE.format(lang=lang, title=escape(title), text=escape(text),
                                        again=escape(request.full_path.rstrip("?")), retry=retry),
                            mimetype="text/html")
    response.status_code = 503
    response.headers["Retry-After"] = RETRY_AFTER
    response.headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(DBAPIError, _answer)
    engine = app.extensions.get("pks_geo.engine")
    if engine is not None:
        state_for(engine)  # listen for the first good connection after an outage
