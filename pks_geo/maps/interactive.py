"""Build the interactive map page with folium, using only assets served by the app.

folium writes the Leaflet map skeleton (map object, optional basemap, initial view);
its default CDN links are replaced by local ones. Data layers are fetched by
``web/static/js/map.js`` from the API so that filters can redraw them without a reload.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import Element

DEFAULT_BOUNDS = [[-4.5367, 121.8819], [-3.9833, 122.9113]]
"""Konawe Selatan's bounding box [[south, west], [north, east]] when nothing is loaded."""
HEADER_SLOT = "<!--pks-header-->"
PANEL_SLOT = "<!--pks-panel-->"


def build_map_page(*, title: str, texts: dict[str, str], lang: str,
                   bounds: list[list[float]] | None, tile_url: str | None,
                   tile_attribution: str, header_html: str, panel_html: str = "",
                   can_see_incidents: bool = False, csrf_token: str = "",
                   area_counts: dict[str, int] | None = None, tile_threshold: int = 2000,
                   scripts: list[tuple[str, str]] | None = None,
                   styles: list[tuple[str, str]] | None = None, nonce: str = "") -> str:
    """Return a full HTML document for the main map.

    ``nonce`` (the response's CSP nonce) goes on the inline scripts folium and this function
    write; the header and panel HTML are put in after that, so nothing in them can carry it.

    The scale bar is added by map.js (metric only): folium's own ``control_scale`` always
    shows miles beside kilometres."""
    fmap = folium.Map(location=None, tiles=None, control_scale=False, prefer_canvas=False,
                      zoom_control=True)
    fmap.default_js = scripts or []  # (name, URL) pairs served by the app: never a CDN
    fmap.default_css = styles or []
    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or " ",
                         name=texts["layer_basemap"]).add_to(fmap)
    fmap.fit_bounds(bounds or DEFAULT_BOUNDS)
    figure: Any = fmap.get_root()  # a branca Figure (header, html)
    figure.header.add_child(Element(f"<title>{title}</title>"
                                    '<link rel="icon" href="/favicon.ico" type="image/svg+xml">'
                                    f'<meta name="csrf-token" content="{csrf_token}">'),
                            name="title")
    figure.html.add_child(Element(HEADER_SLOT), name="pks_header")
    figure.html.add_child(Element(PANEL_SLOT), name="pks_panel")
    config = {"map": fmap.get_name(), "lang": lang, "texts": texts,
              "hasBasemap": bool(tile_url), "canSeeIncidents": can_see_incidents,
              "areaCounts": area_counts or {}, "tileThreshold": tile_threshold}
    figure.html.add_child(Element(
        f"<script>window.PKS_GEO = {json.dumps(config, ensure_ascii=False)};</script>"
        '<script src="/static/js/common.js" defer></script>'  # window.PKS: esc, num, getJSON, ...
        '<script src="/static/js/tiles.js" defer></script>'
        '<script src="/static/js/analysis_layers.js" defer></script>'
        '<script src="/static/js/map.js" defer></script>'
        '<script src="/static/js/share.js" defer></script>'
        '<script src="/static/js/cockpit.js" defer></script>'
        '<script src="/static/js/export_menu.js" defer></script>'
        '<script src="/static/js/timechart.js" defer></script>'), name="pks_config")
    # folium writes a bare <html>: the page's language drives the scripts' number and date
    # formats (web/static/js/common.js) and screen readers
    html = figure.render().replace("<html>", f'<html lang="{lang}">', 1)
    if nonce:
        html = html.replace("<script>", f'<script nonce="{nonce}">')
    return html.replace(HEADER_SLOT, header_html, 1).replace(PANEL_SLOT, panel_html, 1)
