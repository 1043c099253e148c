"""(T) the vector-tile endpoint against the same ``ST_AsMVT`` statement run bare, and the tiled
province map in headless Chromium (first draw, pan, zoom) against the GeoJSON choropleth.

Used by ``bench/run_all.py``; not meant to be run on its own.
"""

from __future__ import annotations

import http.client
import random
import re
import shutil
import time
from typing import Any
from urllib.parse import urlsplit

import psycopg
from common import Result, median, percentile, plain_conninfo, tiles_covering
from sqlalchemy import Engine

from pks_geo.feature_sql.tiles import (
    TILE_BUFFER,
    TILE_EXTENT,
    AreaValues,
    TileAddress,
    area_tile_sql,
    area_values,
)

ZOOMS = {"kabupaten": (10, 12, 14), "province": (8, 10, 12), "national": (6, 8, 10), "million": (8, 10, 12)}
MAX_TILES_PER_ZOOM = 120
CHOROPLETH = {"metric": "count"}


def psycopg_sql(sql: str) -> str:
    """SQLAlchemy ``:name`` parameters as psycopg ``%(name)s`` (``::casts`` untouched)."""
    return re.sub(r"(?<![:\w]):([a-z_]+)", r"%(\1)s", sql)


class Http:
    """One keep-alive HTTP connection, like a browser's to the tile server."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        body = response.read()
        return response.status, body, dict(response.getheaders())

    def close(self) -> None:
        self.conn.close()


def _params(level: str, z: int, x: int, y: int) -> dict[str, Any]:
    return {"z": z, "x": x, "y": y, "margin": TILE_BUFFER / TILE_EXTENT, "extent": TILE_EXTENT,
            "buffer": TILE_BUFFER, "layer": f"areas-{level}", "level": level}


def _values(values: AreaValues, t: tuple[int, int, int], with_values: bool) -> dict[str, Any]:
    """The choropleth parameter exactly as the endpoint binds it for tile ``t``."""
    return values.params(TileAddress(*t)) if with_values else {}


def _tiles(conn: psycopg.Connection, level: str, z: int, seed: int = 7) -> list[tuple[int, int, int]]:
    """Non-empty tiles of ``level`` at zoom ``z`` (a seeded sample of at most MAX_TILES_PER_ZOOM)."""
    box = conn.execute("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                       "(SELECT ST_Extent(geom) e FROM admin_area WHERE level = %s) s", (level,)).fetchone()
    sql = psycopg_sql(area_tile_sql(z, False, False))
    tiles = [t for t in tiles_covering(box, z) if conn.execute(sql, _params(level, *t)).fetchone()[0]]
    random.Random(seed).shuffle(tiles)
    return sorted(tiles[:MAX_TILES_PER_ZOOM])


def tile_results(engine: Engine, base_url: str, cached_url: str, scale: str, level: str,
                 repetitions: int = 3) -> list[Result]:
    """p50/p95 per tile (median of ``repetitions`` per tile), endpoint vs bare SQL, per zoom."""
    results = []
    with engine.connect() as sa_conn:
        values = area_values(sa_conn, level, CHOROPLETH)
    client, cached = Http(base_url), Http(cached_url)
    with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
        conn.execute("SET jit = off")  # as the endpoint does for its tile statements
        for z in ZOOMS[scale]:
            tiles = _tiles(conn, level, z)
            for label, query, with_values in (("outline", "", False), ("choropleth", "?metric=count", True)):
                sql = psycopg_sql(area_tile_sql(z, with_values, False))

                endpoint_ms, sql_ms, cache_ms, sizes = [], [], [], []
                for t in tiles:  # warm both paths (and the shared choropleth values)
                    client.get(f"/tiles/areas-{level}/{t[0]}/{t[1]}/{t[2]}.pbf{query}")
                    cached.get(f"/tiles/areas-{level}/{t[0]}/{t[1]}/{t[2]}.pbf{query}")
                    conn.execute(sql, {**_params(level, *t), **_values(values, t, with_values)}).fetchone()
                for t in tiles:
                    path = f"/tiles/areas-{level}/{t[0]}/{t[1]}/{t[2]}.pbf{query}"
                    e, s, c = [], [], []
                    for _ in range(repetitions):
                        start = time.perf_counter()
                        status, body, _ = client.get(path)
                        e.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        raw = conn.execute(sql, {**_params(level, *t), **_values(values, t, with_values)}
                                           ).fetchone()[0]
                        s.append(time.perf_counter() - start)
                        start = time.perf_counter()
                        cached.get(path)
                        c.append(time.perf_counter() - start)
                    assert status == 200 and len(body) == len(raw or b""), (path, status, len(body))
                    endpoint_ms.append(median(e) * 1000)
                    sql_ms.append(median(s) * 1000)
                    cache_ms.append(median(c) * 1000)
                    sizes.append(len(body))
                info = {"tiles": len(tiles), "max_bytes": max(sizes), "median_bytes": median(sizes)}
                for q in (50, 95):
                    ep, sq, ca = percentile(endpoint_ms, q), percentile(sql_ms, q), percentile(cache_ms, q)
                    target = "<= 1.2x; p95 < 50 ms (province desa)" if q == 95 else "<= 1.2x"
                    name = f"{level} tile z{z} {label} p{q} (HTTP, tile cache off)"
                    reference = "bare ST_AsMVT SQL via psycopg (no HTTP)"
                    results.append(Result("T", scale, name, ep, "ms", reference, sq, ep / sq, target, info))
                    # a cache hit computes nothing, so no computing reference is fair: reported alone
                    results.append(Result("T", scale, f"{level} tile z{z} {label} p{q}, cache hit (HTTP)", ca,
                                          "ms", "", float("nan"), float("nan"), "", info))
    client.close()
    cached.close()
    return results


# --- the map in headless Chromium ---------------------------------------------------------------

PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/leaflet/leaflet.css">
<script src="/vendor/leaflet/leaflet.js"></script>
<script src="/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"></script>
<script src="/static/js/tiles.js"></script>
<style>html, body, #map { margin: 0; height: 100%; }</style></head>
<body><div id="map"></div></body></html>"""

TILED_SCRIPT = """async ([bounds, level, params]) => {
  const map = L.map("map", { preferCanvas: true, zoomAnimation: false, fadeAnimation: false });
  map.fitBounds(bounds);
  const loaded = (layer) => new Promise((resolve) => layer.once("load", resolve));
  const t0 = performance.now();
  const layer = PKSTiles.areaLayer(map, level, params);
  const first = loaded(layer);
  layer.addTo(map);
  await first;
  const out = { first: performance.now() - t0, pans: [], zoom: null };
  for (const offset of [[500, 0], [0, 300], [-500, 0]]) {
    const t = performance.now();
    const done = loaded(layer);
    map.panBy(offset, { animate: false });
    await Promise.race([done, new Promise((r) => setTimeout(r, 20000))]);
    out.pans.push(performance.now() - t);
  }
  const tz = performance.now();
  const zoomed = loaded(layer);
  map.setZoom(map.getZoom() + 1, { animate: false });
  await Promise.race([zoomed, new Promise((r) => setTimeout(r, 20000))]);
  out.zoom = performance.now() - tz;
  return out;
}"""

GEOJSON_SCRIPT = """async ([bounds, level, params]) => {
  const map = L.map("map", { preferCanvas: true, zoomAnimation: false, fadeAnimation: false });
  map.fitBounds(bounds);
  const t0 = performance.now();
  const q = new URLSearchParams(Object.assign({ level }, params)).toString();
  const data = await (await fetch(`/api/v1/choropleth?${q}`)).json();
  const legend = data.legend;
  L.geoJSON(data, { style: (f) => ({ fillOpacity: 0.8, color: "#555", weight: 0.4,
    fillColor: f.properties["class"] === null ? legend.no_data.color : legend.colors[f.properties["class"]] })
  }).addTo(map);
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const first = performance.now() - t0;
  const t = performance.now();
  map.panBy([500, 0], { animate: false });
  await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  return { first, pans: [performance.now() - t], features: data.features.length };
}"""


def browser_results(base_url: str, bounds: tuple[float, float, float, float], scale: str, level: str,
                    repetitions: int = 3) -> list[Result]:
    """First draw, pan and zoom of the tiled map vs first draw of the GeoJSON choropleth."""
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    leaflet_bounds = [[bounds[1], bounds[0]], [bounds[3], bounds[2]]]
    runs: dict[str, list[dict[str, Any]]] = {"tiles": [], "geojson": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=["--no-sandbox", "--disable-gpu"])
        for _ in range(repetitions):
            for kind, script in (("tiles", TILED_SCRIPT), ("geojson", GEOJSON_SCRIPT)):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                page = context.new_page()
                errors: list[str] = []
                page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
                page.goto(base_url + "/healthz")
                page.set_content(PAGE)
                runs[kind].append(page.evaluate(script, [leaflet_bounds, level, CHOROPLETH]))
                assert not errors, errors
                context.close()
        browser.close()
    first_tiles = median([r["first"] for r in runs["tiles"]])
    first_geojson = median([r["first"] for r in runs["geojson"]])
    pan_tiles = median([p for r in runs["tiles"] for p in r["pans"]])
    pan_geojson = median([p for r in runs["geojson"] for p in r["pans"]])
    zoom_tiles = median([r["zoom"] for r in runs["tiles"]])
    return [
        Result("B", scale, f"{level} map first draw (tiles)", first_tiles, "ms", "GeoJSON choropleth",
               first_geojson, first_tiles / first_geojson, "interactive", {"runs": runs["tiles"]}),
        Result("B", scale, f"{level} map pan 500 px (tiles)", pan_tiles, "ms", "GeoJSON choropleth",
               pan_geojson, pan_tiles / pan_geojson, "interactive"),
        Result("B", scale, f"{level} map zoom in (tiles)", zoom_tiles, "ms", "", float("nan"), float("nan"),
               "interactive"),
    ]
