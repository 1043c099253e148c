"""Serve front-end packages installed from the npm registry (``web/node_modules``).

Nothing at run time may reach the internet, so Leaflet and friends are installed at set-up
(``npm ci`` in ``web/``) and served from here. Only the listed package folders are exposed.
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory

from pks_geo.web import WEB_ROOT

bp = Blueprint("assets", __name__)

NODE_MODULES = WEB_ROOT / "node_modules"
SERVED_PACKAGES = {"leaflet": "dist", "leaflet.markercluster": "dist", "leaflet.vectorgrid": "dist",
                   "uplot": "dist"}
"""npm package -> sub-folder exposed under ``/vendor/<package>/``."""


@bp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str):  # type: ignore[no-untyped-def]
    subdir = SERVED_PACKAGES.get(package)
    if subdir is None:
        abort(404)
    folder = NODE_MODULES / package / subdir
    if not folder.is_dir():
        abort(500, description=f"front-end package {package!r} is not installed; "
                               "run 'npm ci' in web/ (scripts/setup.sh does this)")
    response = send_from_directory(folder, filename, max_age=86400)
    return response


@bp.get("/favicon.ico")
def favicon():  # type: ignore[no-untyped-def]
    """Browsers ask for /favicon.ico whatever the page says; answer instead of logging a 404."""
    return send_from_directory(WEB_ROOT / "static", "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)


def vendor_url(package: str, filename: str) -> str:
    return f"/vendor/{package}/{filename}"


MAP_SCRIPTS = [("leaflet", vendor_url("leaflet", "leaflet.js")),
               ("markercluster", vendor_url("leaflet.markercluster", "leaflet.markercluster.js")),
               ("vectorgrid", vendor_url("leaflet.vectorgrid", "Leaflet.VectorGrid.bundled.min.js")),
               ("uplot", vendor_url("uplot", "uPlot.iife.min.js"))]
"""Front-end packages the main map page loads, in order (folium's CDN defaults are replaced)."""
MAP_STYLES = [("leaflet_css", vendor_url("leaflet", "leaflet.css")),
              ("markercluster_css", vendor_url("leaflet.markercluster", "MarkerCluster.css")),
              ("markercluster_default_css", vendor_url("leaflet.markercluster", "MarkerCluster.Default.css")),
              ("uplot_css", vendor_url("uplot", "uPlot.min.css")),
              ("pks_layout_css", "/static/css/layout.css"),
              ("pks_geo_css", "/static/css/map.css"),
              ("pks_cockpit_css", "/static/css/cockpit.css"),
              ("pks_share_css", "/static/css/share.css"),
              ("pks_export_css", "/static/css/export.css")]
