"""``/maps/<id>.html``: one HTML file holding a view's map, to attach to a briefing.

The file must open on a laptop with no network, years later, so everything is inside it:
Leaflet's JS and CSS (from the npm package the app serves, its images as data URIs), the
renderer shared with embeds (``web/static/js/embed.js``), and the view's choropleth
GeoJSON with legend and captions. A Content-Security-Policy meta tag
(``default-src 'none'``) forbids the page any request, so a future edit that added an
external URL would fail visibly instead of leaking that the file was opened.

Like embeds, the file carries aggregates only (see :mod:`pks_geo.maps.view_data`).
"""

from __future__ import annotations

import base64
import re
from functools import lru_cache
from pathlib import Path

import jinja2

from pks_geo.config import WEB_DIR
from pks_geo.maps.view_data import MapData

WEB_ROOT = WEB_DIR
LEAFLET_DIST = WEB_ROOT / "node_modules" / "leaflet" / "dist"
TEMPLATE = "selfcontained.html"
CSS_URL = re.compile(r"url\((images/[A-Za-z0-9_.-]+\.png)\)")


class AssetMissing(RuntimeError):
    """A front-end file to inline is not installed; the message says how to install it."""


def _read(path: Path) -> str:
    if not path.is_file():
        raise AssetMissing(f"{path} is missing; run 'npm ci' in web/ (scripts/setup.sh does this)")
    return path.read_text(encoding="utf-8")


def _inline_css_images(css: str, folder: Path) -> str:
    """Replace ``url(images/x.png)`` by data URIs so the stylesheet needs no file beside it."""
    def data_uri(match: re.Match[str]) -> str:
        image = folder / match.group(1)
        if not image.is_file():
            return "url(data:,)"
        return "url(data:image/png;base64," + base64.b64encode(image.read_bytes()).decode("ascii") + ")"

    return CSS_URL.sub(data_uri, css)


def _script_text(text: str) -> str:
    """Text that is safe inside ``<script>``: no ``</`` can close the element early."""
    return text.replace("</", "<\\/")


@lru_cache(maxsize=1)
def _assets() -> dict[str, str]:
    return {
        "leaflet_css": _inline_css_images(_read(LEAFLET_DIST / "leaflet.css"), LEAFLET_DIST),
        "leaflet_js": _script_text(_read(LEAFLET_DIST / "leaflet.js")),
        "embed_css": _read(WEB_ROOT / "static" / "css" / "embed.css"),
        "common_js": _script_text(_read(WEB_ROOT / "static" / "js" / "common.js")),
        "embed_js": _script_text(_read(WEB_ROOT / "static" / "js" / "embed.js")),
    }


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(WEB_ROOT / "templates")),
                              autoescape=jinja2.select_autoescape(["html"]))


def json_for_script(data: bytes) -> str:
    """JSON text safe inside ``<script type="application/json">`` (``<``, ``>``, ``&`` escaped)."""
    text = data.decode("utf-8")
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def build_html(data: MapData) -> str:
    """The whole self-contained HTML document of one view."""
    template = _environment().get_template(TEMPLATE)
    return template.render(lang=data.lang, title=data.title, view_id=data.view.id,
                           data_json=json_for_script(data.geojson(note=data.texts["brief_offline_note"])),
                           **_assets())
