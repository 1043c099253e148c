"""Flask application factory (``create_app``) and blueprint registration.

The app holds one SQLAlchemy engine (one pool) for its lifetime. It starts even when the
database is down, so that ``/healthz`` can say so with a 503 instead of the process dying.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from pks_geo.config import WEB_DIR, Settings
from pks_geo.db import get_engine

WEB_ROOT = WEB_DIR


def _database_url(settings: Settings) -> str | None:
    if settings.database_url:
        return settings.database_url
    from pks_geo.localpg import LocalCluster

    cluster = LocalCluster.from_settings(settings)
    return cluster.url() if cluster.is_initialised() else None


def create_app(config: dict[str, Any] | Settings | None = None) -> Flask:
    """Build the app. ``config`` may be a :class:`Settings` or a dict of Flask config keys
    (``DATABASE_URL``, ``SECRET_KEY``, ``TESTING``, ...) overriding the environment."""
    overrides: dict[str, Any] = {}
    if isinstance(config, Settings):
        settings = config
    else:
        settings = Settings.from_env()
        overrides = dict(config or {})
    app = Flask(__name__, static_folder=str(WEB_ROOT / "static"), static_url_path="/static",
                template_folder=str(WEB_ROOT / "templates"))
    from pks_geo.web.sessions import session_config

    app.config.update(SECRET_KEY=settings.secret_key, JSON_SORT_KEYS=False, **session_config(settings))
    app.config.update(overrides)  # after: Flask's own defaults (31 days, no SameSite) must not win
    url = app.config.get("DATABASE_URL") or _database_url(settings)
    app.config["DATABASE_URL"] = url
    app.extensions["pks_geo.settings"] = settings
    if not settings.secret_key_set and "SECRET_KEY" not in overrides:
        logging.getLogger("pks_geo.web").warning(
            "PKS_GEO_SECRET_KEY is not set: this process signs sessions, CSRF and embed tokens with a "
            "random key, so log-ins and embed links end when it restarts and differ between processes; "
            "set PKS_GEO_SECRET_KEY (at least 16 characters) in production")
    app.extensions["pks_geo.engine"] = get_engine(url) if url else None

    from pks_geo.web import edge  # proxy headers, CORS, compression, access log: first of all

    edge.init_app(app, settings)
    from pks_geo.web import outage  # 503 and one log line while PostgreSQL cannot be reached

    outage.init_app(app)
    from pks_geo.web import errors  # ParameterError -> 400 naming the parameter, for every view

    errors.init_app(app)
    from pks_geo.web import i18n  # Flask-Babel: the page's language for gettext and Babel's formats

    i18n.init_app(app, settings.language)
    from pks_geo.web import page_format  # Jinja filters num, day, moment (Babel, the page's language)

    page_format.init_app(app)
    from pks_geo.web import conditional  # ETag/304 and the in-process response and tile caches

    conditional.init_app(app, settings)

    from pks_geo.web import api, assets, health, pages

    app.register_blueprint(health.bp)
    app.register_blueprint(assets.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)

    from pks_geo.web import api_incidents, auth, incident_form, users_admin  # users, roles, incident writes

    auth.init_app(app)  # CSRF, session/Bearer authentication, /login
    from pks_geo.web import layout  # the one header of every page (navigation per role)

    layout.init_app(app)
    app.register_blueprint(api_incidents.bp)
    app.register_blueprint(incident_form.bp)
    app.register_blueprint(users_admin.bp)  # /admin/pengguna

    from pks_geo.web import api_choropleth, ogc  # choropleth API, OGC API - Features under /ogc

    app.register_blueprint(api_choropleth.bp)
    app.register_blueprint(ogc.bp)

    from pks_geo.web import briefing, embed  # saved views, print maps, embeds, self-contained HTML

    app.register_blueprint(briefing.bp)
    embed.init_app(app)

    from pks_geo.web import tiles  # vector tiles and TileJSON under /tiles

    app.register_blueprint(tiles.bp)

    from pks_geo.web import api_hotspots  # hotspots, clusters, heat, emerging under /api/v1

    app.register_blueprint(api_hotspots.bp)

    from pks_geo.web import api_export, api_security  # exports; TPS risk, personnel, patrol plan

    app.register_blueprint(api_export.bp)
    app.register_blueprint(api_security.bp)

    from pks_geo.web import api_cockpit, briefing_page  # places, profiles, time chart; Briefing page

    app.register_blueprint(api_cockpit.bp)
    app.register_blueprint(briefing_page.bp)

    from pks_geo.web import incidents_page  # the Insiden list and detail pages

    app.register_blueprint(incidents_page.bp)

    from pks_geo.web import security_page  # Rencana Pengamanan

    app.register_blueprint(security_page.bp)

    from pks_geo.web import import_page  # Impor: upload, dry run, confirm

    app.register_blueprint(import_page.bp)

    from pks_geo.web import security_sheet  # printable patrol-sector sheets (PDF) per Polsek

    app.register_blueprint(security_sheet.bp)
    return app
