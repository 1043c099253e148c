"""The aggregates-only promise, walked route by route (issue 13, disclosure control).

Every GET route of ``app.url_map`` is requested (new routes are picked up on their own: a route
the crawler cannot fill fails the test) as every identity below ``analyst`` (anonymous visitor,
viewer, and an embed token on the embed routes) and as an analyst for control. Every body is
decoded (JSON/GeoJSON, CSV, KML, GPX, GeoPackage via pyogrio, PDF text via pypdf, vector tiles
via mapbox_vector_tile, HTML and SVG as text; PNG prints are raster only) and searched for

- a coordinate within ~1 m (5 decimals) of a stored incident point of its own (exact/near
  precision; desa-precision incidents sit on the desa's public label point);
- a sensitive incident field: description, actors, the ``sumber`` URL, ``created_by``, the
  exact dates of the planted incidents, incident field names (``description``, ``actor1`` ...);
- a count of 1 .. min_cell-1 in an aggregate: count fields (``n_incidents``, ``count``, a
  count metric's ``value``, time-series counts, kategori breakdowns, casualties) and sentences
  ("2 kejadian", "Desa X 1").

The data: the demo (360 incidents, TPS of two elections) plus a planted small cell, two
incidents with one death in a desa that has none, with marker strings. The analyst control
must find each kind of finding somewhere (so the detectors work); no identity below analyst may
produce one. ``PKS_GEO_MIN_CELL=1 pytest tests/test_disclosure_crawler.py`` switches the policy
off in the app while the crawler still checks 3: the test then fails.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import mapbox_vector_tile
import numpy as np
import orjson
import pyogrio
import pypdf
import pytest
import shapely
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.auth import tokens, users
from pks_geo.db import get_engine
from pks_geo.export import DATASETS, FORMATS
from pks_geo.feature_sql.features import COLLECTIONS
from pks_geo.feature_sql.tiles import LAYERS
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.demo_data import load_demo
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.maps.embed import issue_token
from pks_geo.maps.views import create_view
from pks_geo.planning.security_data import load_security_data
from pks_geo.web import create_app

MIN_CELL = 3
"""What the crawler enforces, whatever the app is configured with."""
SECRET_KEY = "crawler-secret-key-0123456789abcdef"
DESCRIPTION = "URAIAN-SEL-KECIL-5521"
ACTOR = "PELAKU-SEL-KECIL-9034"
SUMBER = "https://sumber.contoh/rahasia-8812"
CREATOR = "penginput-rahasia-3307"
PLANTED_DATES = ("2018-09-12", "2018-09-19")
SENSITIVE_KEYS = {"keterangan", "actor1", "actor2", "sumber", "event_date", "external_id", "place_name",
                  "original_type", "sub_type", "row_hash"}
"""Incident fields that never reach a role below analyst (by name, in any format). ``description``
is a common word (OpenAPI, TileJSON, KML): descriptions are caught by their contents instead
(the planted marker and the demo's "[CONTOH]")."""
COUNT_KEYS = {"n_incidents", "count", "kategori_count", "n_points", "n_clustered", "n_noise",
              "n_desa_precision", "meninggal", "luka", "total", "counts", "by_kategori", "n"}
NOT_INCIDENT_COUNTS = {"legend", "significance", "categories", "category_sources", "no_data", "suppressed",
                       "meta", "personnel", "sectors", "profiles", "polres", "polsek", "counts_note"}
"""Ancestors under which a ``count`` counts areas, TPS or officers, not incidents."""
COUNT_METRICS = ("count", "meninggal", "luka")
SENTENCE = re.compile(r"(?<![\d.,<] )(?<![\d.,<])\b([1-9]\d*) (?:kejadian|insiden|incidents?)\b")
FILE_ENDPOINTS = {"static": {"filename": "js/map.js"}, "assets.vendor": None, "assets.favicon": {}}
"""Routes that serve files from disk (no data): requested once where a real file is known."""
SKIP_QUERY_ENDPOINTS = {"auth.login"}
TIMES: dict[str, float] = {}


@dataclass
class World:
    engine: Engine
    url: str
    headers: dict[str, dict[str, str]]
    embed_token: str
    view_id: str
    desa: str
    desa_nama: str
    kecamatan: str
    incident_id: int
    tps_id: int
    tiles: list[tuple[int, int, int]]
    polsek: str
    points: np.ndarray
    """Incident points of their own (exact/near), lon/lat (those on boundary lines left out)."""
    located: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    """Every exact/near incident as lon, lat, day number (for the heat band check)."""
    days: tuple[str, ...] = ()
    """The data's first and last incident days, when no calendar or month boundary shares them."""


def _tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths) -> World:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "elections")
    load_demo(engine, "74.05")
    with engine.begin() as conn:
        desa, nama, kecamatan = conn.execute(text(
            "SELECT a.kode, a.nama, a.parent_kode FROM admin_area a WHERE a.level = 'desa' AND NOT EXISTS "
            "(SELECT 1 FROM incident i WHERE i.desa_kode = a.kode) ORDER BY a.kode LIMIT 1")).one()
        ids = conn.execute(text("""
            WITH a AS (SELECT kode, parent_kode, geom FROM admin_area WHERE kode = :kode),
                 p AS (SELECT (ST_Dump(ST_GeneratePoints(a.geom, 2, 7))).geom AS geom FROM a),
                 n AS (SELECT geom, CAST(row_number() OVER () AS integer) AS g FROM p)
            INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom,
                                  desa_kode, kecamatan_kode, description, actor1, sumber, created_by,
                                  meninggal, luka, counted, status)
            SELECT 'uji-kecil', 'kecil-' || n.g, (ARRAY[CAST(:d1 AS date), CAST(:d2 AS date)])[n.g],
                   'bentrok', 'exact', n.geom, a.kode, a.parent_kode, :description, :actor, :sumber,
                   :creator, n.g - 1, 0, true, 'verified'
            FROM n, a RETURNING id"""), {
            "description": DESCRIPTION, "actor": ACTOR, "sumber": SUMBER, "creator": CREATOR,
            "d1": PLANTED_DATES[0], "d2": PLANTED_DATES[1], "kode": desa}).scalars().all()
        assert len(ids) == 2
        tps_id = conn.execute(text("SELECT min(id) FROM polling_site")).scalar_one()
        located = conn.execute(text(
            "SELECT ST_X(geom), ST_Y(geom), event_date - DATE '2000-01-01' FROM incident "
            "WHERE geom IS NOT NULL AND counted AND location_precision IN ('exact', 'near')")).all()
        rows = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE geom IS NOT NULL "
                                 "AND location_precision IN ('exact', 'near')")).all()
        # an incident within ~2 m of a boundary line may share a public boundary vertex: left out
        on_lines = conn.execute(text(
            "SELECT ST_X(i.geom), ST_Y(i.geom) FROM incident i WHERE i.geom IS NOT NULL AND EXISTS "
            "(SELECT 1 FROM admin_area a WHERE ST_DWithin(ST_Boundary(a.geom), i.geom, 0.00002))")).all()
        rows = [r for r in rows if r not in set(on_lines)]
        lon, lat = conn.execute(text("SELECT ST_X(geom), ST_Y(geom) FROM incident WHERE id = :i"),
                                {"i": ids[0]}).one()
    headers: dict[str, dict[str, str]] = {"anonymous": {}}
    for role in ("viewer", "analyst"):
        users.add_user(engine, f"crawler-{role}", role, "password-12345", actor="test")
        token = tokens.create_token(engine, f"crawler-{role}", actor="test")[1]
        headers[role] = {"Authorization": f"Bearer {token}"}
    view = create_view(engine, {"title": "Peta untuk mitra", "metric": "count",
                                "filters": {"level": "desa", "within": kecamatan}}, actor="crawler-analyst")
    embed = issue_token(SECRET_KEY, view.id, 24).token
    tiles = [_tile_of(lon, lat, z) for z in (9, 14)]
    polsek = load_security_data().jurisdictions.polsek_of_kecamatan()[kecamatan]
    with engine.connect() as conn:
        calendar = {d for row in conn.execute(text(
            "SELECT voting_day, voting_day - 1 FROM election UNION ALL "
            "SELECT start_date, end_date FROM election_stage")) for d in row}
        first, last = conn.execute(text("SELECT min(event_date), max(event_date) FROM incident")).one()
    days = tuple(d.isoformat() for d in (first, last)
                 if d not in calendar and d.day != 1 and (d + timedelta(days=1)).day != 1)
    return World(engine, url, headers, embed, view.id, desa, nama, kecamatan, ids[0], tps_id, tiles, polsek,
                 np.array(rows, dtype=float), np.array(located, dtype=float), days)


# --- filling the routes --------------------------------------------------------------------------

def _paths(rule: Any, w: World) -> list[tuple[str, str]]:
    """(path, query) pairs to request for one GET rule."""
    ep = rule.endpoint
    if ep in FILE_ENDPOINTS:
        values = FILE_ENDPOINTS[ep]
        return [] if values is None else [(rule.build(values, append_unknown=False)[1], "")]
    args = set(rule.arguments)
    if ep == "api_export.export":
        out = []
        for dataset in DATASETS:
            query = {"choropleth": "level=desa", "hotspots": "level=desa", "tps": f"polsek={w.polsek}",
                     "patrol-plan": f"polsek={w.polsek}"}.get(dataset, "")
            out += [(f"/api/v1/export/{dataset}.{fmt}", query) for fmt in FORMATS]
        out.append(("/api/v1/export/choropleth.csv", "level=desa&metric=meninggal"))
        return out
    if ep == "tiles.tile":
        out = []
        for name in LAYERS:
            for z, x, y in w.tiles:
                out.append((f"/tiles/{name}/{z}/{x}/{y}.pbf", ""))
                if name.startswith("areas"):
                    out.append((f"/tiles/{name}/{z}/{x}/{y}.pbf", "metric=count"))
        return out
    if ep == "tiles.tilejson_document":
        return [(f"/tiles/{name}.json", q) for name in LAYERS for q in ("", "metric=count&level=desa"
                                                                         if name == "areas-desa" else "")]
    if ep == "ogc.collection_item":
        fids = {"areas": w.desa, "incidents": str(w.incident_id), "tps": str(w.tps_id)}
        return [(f"/ogc/collections/{c}/items/{fids[c]}", "") for c in COLLECTIONS]
    fills: dict[str, list[str]] = {
        "view_id": [w.view_id], "kode": [w.desa, w.kecamatan], "incident_id": [str(w.incident_id)],
        "collection_id": list(COLLECTIONS), "polsek": [w.polsek],
        "token": ["x" * 32],  # an Impor upload (editor+ and its uploader only: 403 below editor)
    }
    unknown = args - set(fills)
    assert not unknown, f"the crawler cannot fill {unknown} of {rule.rule}: teach it (new route?)"
    combos: list[dict[str, str]] = [{}]
    for name in sorted(args):
        combos = [{**c, name: v} for c in combos for v in fills[name]]
    return [(rule.build(c, append_unknown=False)[1], q.format(polsek=w.polsek)) for c in combos
            for q in QUERIES.get(ep, [""])]


PERIOD = "from=2018-09-01&to=2018-09-30"
QUERIES: dict[str, list[str]] = {
    "api_choropleth.choropleth": ["level=desa", "level=desa&metric=meninggal",
                                  "level=desa&metric=per_1000_dpt", f"level=desa&{PERIOD}",
                                  "level=kecamatan"],
    "api_hotspots.hotspot_layer": ["level=desa", f"level=desa&{PERIOD}&min_incidents=1",
                                   "level=desa&method=lisa"],
    "api_hotspots.cluster_layer": ["", "min_points=3&eps_m=3000", f"min_points=3&eps_m=50000&{PERIOD}"],
    "api_hotspots.heat_layer": ["", "min_incidents=1", f"min_incidents=1&{PERIOD}"],
    "api_hotspots.emerging_layer": ["level=desa&min_incidents=1",
                                    "level=desa&window=stage&election=pemilu-2019"],
    "api_hotspots.compare_layer": ["level=desa&election=pemilu-2019&min_incidents=1"],
    "api_cockpit.timeseries": ["interval=month", f"interval=week&{PERIOD}"],
    "api_cockpit.profile": ["", PERIOD],
    "api_security.tps_risk": ["", "election=pilgub-sultra-2018&polsek={polsek}"],
    "api_security.patrol_plan": ["polsek={polsek}"],
    "api_incidents.list_incidents": ["limit=1000"],
    "ogc.collection_items": ["limit=1000", "limit=1000&f=html"],
    "api_cockpit.places_search": ["q=a"],
}


# --- decoding -------------------------------------------------------------------------------------

@dataclass
class Findings:
    coords: list[str] = field(default_factory=list)
    sensitive: list[str] = field(default_factory=list)
    counts: list[str] = field(default_factory=list)

    def any(self) -> bool:
        return bool(self.coords or self.sensitive or self.counts)


class Inspector:
    def __init__(self, w: World) -> None:
        self.w = w
        keys = np.round(w.points * 1e5).astype(np.int64)
        near = [(keys[:, 0] + dx) * 100_000_000 + (keys[:, 1] + dy) for dx in (-1, 0, 1) for dy in (-1, 0, 1)]
        self.point_keys = np.unique(np.concatenate(near))
        self.strings = (DESCRIPTION, ACTOR, SUMBER, CREATOR, "[CONTOH]", "Laporan Polsek (contoh)",
                        "Media lokal (contoh)", "Bawaslu (contoh)", "Warga (contoh)",
                        *PLANTED_DATES, *w.days,
                        *("-".join(reversed(d.split("-"))) for d in (*PLANTED_DATES, *w.days)))
        self.named = re.compile(re.escape(w.desa_nama) + r" ([1-9]\d*)\b")

    # coordinates
    def coords(self, xy: np.ndarray, where: str, f: Findings, tolerance_deg: float = 0.0) -> None:
        if xy.size == 0:
            return
        xy = xy.reshape(-1, 2)
        xy = xy[(xy[:, 0] > 100) & (xy[:, 0] < 140) & (xy[:, 1] > -12) & (xy[:, 1] < 8)]
        if not len(xy):
            return
        if tolerance_deg:
            d = np.abs(xy[:, None, :] - self.w.points[None, :, :]).max(axis=2).min(axis=1)
            hits = xy[d < tolerance_deg]
        else:
            k = np.round(xy * 1e5).astype(np.int64)
            hits = xy[np.isin(k[:, 0] * 100_000_000 + k[:, 1], self.point_keys)]
        if len(hits):
            f.coords.append(f"{where}: {len(hits)} incident point(s), e.g. {hits[0].tolist()}")

    # text
    def text(self, value: str, where: str, f: Findings) -> None:
        for s in self.strings:
            if s in value:
                f.sensitive.append(f"{where}: {s!r}")
        for m in SENTENCE.finditer(value):
            if int(m.group(1)) < MIN_CELL:
                f.counts.append(f"{where}: sentence {m.group(0)!r}")
        for m in self.named.finditer(value):
            if int(m.group(1)) < MIN_CELL:
                f.counts.append(f"{where}: {m.group(0)!r}")

    def count(self, value: Any, where: str, f: Findings) -> None:
        if isinstance(value, bool) or value is None:
            return
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return
        if isinstance(value, (int, float)) and 0 < value < MIN_CELL and float(value).is_integer():
            f.counts.append(f"{where} = {value}")

    # JSON
    def heat(self, doc: dict[str, Any], url: str, f: Findings) -> None:
        """Every part of a heat band must hold at least MIN_CELL of the incidents it was drawn from."""
        pts = self.w.located
        for name, keep in (("from", np.greater_equal), ("to", np.less_equal)):
            m = re.search(name + r"=(\d{4}-\d{2}-\d{2})", url)
            if m:
                day = (np.datetime64(m.group(1)) - np.datetime64("2000-01-01")).astype(int)
                pts = pts[keep(pts[:, 2], day)]
        for feature in doc.get("features") or []:
            geom = shapely.from_geojson(orjson.dumps(feature["geometry"]).decode())
            for part in shapely.get_parts(geom):
                shell = shapely.Polygon(shapely.get_exterior_ring(part))
                n = int(shapely.contains_xy(shell, pts[:, 0], pts[:, 1]).sum())
                if 0 < n < MIN_CELL:
                    f.counts.append(f"{url}: heat band {feature.get('id')} has a part around {n} incident(s)")

    def walk(self, node: Any, path: tuple[str, ...], f: Findings, value_is_count: bool) -> None:
        if isinstance(node, dict):
            if "bandwidth_m" in node and isinstance(node.get("features"), list):
                self.heat(node, path[0], f)
            if node.get("type") in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                                    "MultiPolygon") and "coordinates" in node:
                geom = shapely.from_geojson(orjson.dumps(node).decode())
                self.coords(shapely.get_coordinates(geom), "/".join(path), f)
                return
            if "lon" in node and "lat" in node and isinstance(node["lon"], (int, float)) \
                    and isinstance(node["lat"], (int, float)):
                self.coords(np.array([node["lon"], node["lat"]], dtype=float), "/".join(path), f)
            for key, value in node.items():
                self.key(str(key), value, path, f, value_is_count)
                self.walk(value, (*path, str(key)), f, value_is_count)
        elif isinstance(node, list):
            if len(node) == 2 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in node):
                self.coords(np.array(node, dtype=float), "/".join(path), f)
            for i, value in enumerate(node):
                self.walk(value, (*path, str(i)), f, value_is_count)
        elif isinstance(node, str):
            self.text(node, "/".join(path), f)

    def key(self, key: str, value: Any, path: tuple[str, ...], f: Findings, value_is_count: bool) -> None:
        where = "/".join((*path, key))
        if key in SENTENCE_FREE_KEYS:
            return
        if key in SENSITIVE_KEYS and value not in (None, "", [], {}):
            f.sensitive.append(f"{where}: field {key!r}")
        if NOT_INCIDENT_COUNTS & set(path) or NOT_INCIDENT_COUNTS & {key}:
            return
        counted = key in COUNT_KEYS or (value_is_count and key in VALUE_KEYS)
        if not counted:
            return
        if isinstance(value, list):
            for i, v in enumerate(value):
                self.count(v.get("count") if isinstance(v, dict) else v, f"{where}/{i}", f)
        elif isinstance(value, dict):
            for k, v in value.items():
                self.count(v, f"{where}/{k}", f)
        else:
            self.count(value, where, f)

    def row(self, row: dict[str, Any], where: str, f: Findings, value_is_count: bool) -> None:
        """One record of a tabular format (CSV, GPKG, KML, GPX, MVT)."""
        for key, value in row.items():
            if isinstance(value, str) and value[:1] in "[{":
                try:
                    self.walk(orjson.loads(value), (where, key), f, value_is_count)
                except orjson.JSONDecodeError:
                    pass
            self.key(key, value, (where,), f, value_is_count)
            if isinstance(value, str):
                self.text(value, f"{where}/{key}", f)
        lon, lat = row.get("lon"), row.get("lat")
        if lon not in (None, "") and lat not in (None, ""):
            self.coords(np.array([float(lon), float(lat)]), where, f)

    # formats
    def inspect(self, body: bytes, mimetype: str, url: str, value_is_count: bool) -> Findings:
        f = Findings()
        if mimetype in ("application/json", "application/geo+json", "application/schema+json",
                        "application/vnd.oai.openapi+json"):
            self.walk(orjson.loads(body), (url,), f, value_is_count)
        elif mimetype == "text/csv":
            lines = [line for line in body.decode("utf-8-sig").splitlines() if not line.startswith("#")]
            for i, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines)))):
                self.row(row, f"{url}#{i}", f, value_is_count)
            self.text(body.decode("utf-8-sig"), url, f)
        elif mimetype in ("application/vnd.google-earth.kml+xml", "application/gpx+xml"):
            self.xml(body.decode("utf-8"), url, f, value_is_count)
        elif mimetype == "application/geopackage+sqlite3":
            self.gpkg(body, url, f, value_is_count)
        elif mimetype == "application/pdf":
            for page in pypdf.PdfReader(io.BytesIO(body)).pages:
                self.text(page.extract_text(), url, f)
        elif mimetype == "application/vnd.mapbox-vector-tile":
            self.mvt(body, url, f, value_is_count)
        elif mimetype.startswith("text/") or mimetype in ("image/svg+xml", "application/javascript"):
            page = body.decode("utf-8", "replace")
            self.text(page, url, f)
            for block in re.findall(r'<script[^>]*type="application/(?:geo\+)?json"[^>]*>(.*?)</script>',
                                    page, flags=re.S):
                self.walk(orjson.loads(block.replace("\\u003c", "<")), (url, "script"), f, value_is_count)
            pairs = re.findall(r"(1[0-3]\d\.\d{4,})[,\s]+(-?\d{1,2}\.\d{4,})", page)
            self.coords(np.array(pairs, dtype=float), url, f)
        elif mimetype in ("image/png", "image/x-icon", "image/vnd.microsoft.icon"):
            pass  # raster: nothing to decode (prints are asserted to be the aggregate routes below)
        else:
            raise AssertionError(f"{url}: the crawler cannot decode {mimetype}; teach it")
        return f

    def xml(self, doc: str, url: str, f: Findings, value_is_count: bool) -> None:
        self.text(doc, url, f)
        blocks = " ".join(re.findall(r"<coordinates>(.*?)</coordinates>", doc, flags=re.S))
        pairs = re.findall(r"(-?\d+\.\d+),(-?\d+\.\d+)", blocks)
        pairs += [(lon, lat) for lat, lon in re.findall(r'lat="(-?[\d.]+)"\s+lon="(-?[\d.]+)"', doc)]
        if pairs:
            self.coords(np.array(pairs, dtype=float), url, f)
        fields: dict[str, Any] = {}
        for name, value in re.findall(r'<SimpleData name="([^"]+)">([^<]*)</SimpleData>', doc):
            fields.setdefault(name, []).append(value)
        for name, value in re.findall(r"<(?:\w+:)?(\w+)>([^<]*)</(?:\w+:)?\1>", doc):
            if name not in XML_ELEMENTS:  # KML/GPX's own elements are checked as text above
                fields.setdefault(name, []).append(value)
        for name, value in re.findall(r"^(\w+): (.*)$", doc, flags=re.M):
            fields.setdefault(name, []).append(value)
        for name, values in fields.items():
            for value in values:
                self.key(name, value, (url,), f, value_is_count)

    def gpkg(self, body: bytes, url: str, f: Findings, value_is_count: bool) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "x.gpkg"
            path.write_bytes(body)
            for layer, _ in pyogrio.list_layers(path):
                frame = pyogrio.read_dataframe(path, layer=layer)
                if "geometry" in frame:
                    self.coords(shapely.get_coordinates(frame.geometry.values), f"{url}:{layer}", f)
                plain = frame.drop(columns=["geometry"], errors="ignore")
                for i, row in enumerate(plain.to_dict("records")):
                    self.row({k: (None if v != v else v) for k, v in row.items()}, f"{url}:{layer}#{i}", f,
                             value_is_count)

    def mvt(self, body: bytes, url: str, f: Findings, value_is_count: bool) -> None:
        z, x, y = (int(v) for v in re.search(r"/(\d+)/(\d+)/(\d+)\.pbf", url).groups())
        tile = mapbox_vector_tile.decode(body, default_options={"y_coord_down": True})
        for name, layer in tile.items():
            extent = layer.get("extent", 4096)
            for i, feature in enumerate(layer["features"]):
                self.row(dict(feature["properties"]), f"{url}:{name}#{i}", f, value_is_count)
                geom = feature["geometry"]
                if geom["type"] in ("Point", "MultiPoint"):
                    pts = np.array(geom["coordinates"], dtype=float).reshape(-1, 2)
                    n = 2 ** z
                    lon = (x + pts[:, 0] / extent) / n * 360 - 180
                    lat = np.degrees(np.arctan(np.sinh(np.pi * (1 - 2 * (y + pts[:, 1] / extent) / n))))
                    # one tile unit at z14 is ~0.6 m: within 2 units is the incident's own point
                    self.coords(np.column_stack([lon, lat]), f"{url}:{name}", f,
                                tolerance_deg=2 * 360 / n / extent)


SENTENCE_FREE_KEYS = {"counts_note"}
VALUE_KEYS = ("value", "value_previous", "value_current")
XML_ELEMENTS = {"description", "desc", "name", "cmt", "coordinates", "styleUrl", "value", "text", "type"}
PRINT_ENDPOINTS = {"briefing.print_png", "briefing.print_pdf", "briefing.print_atlas_pdf"}


# --- the crawl -----------------------------------------------------------------------------------

def _crawl(w: World) -> Iterator[tuple[str, str, str, int, Findings]]:
    app = create_app({"DATABASE_URL": w.url, "TESTING": True, "SECRET_KEY": SECRET_KEY})
    client = app.test_client()
    inspector = Inspector(w)
    gets = [r for r in app.url_map.iter_rules() if "GET" in r.methods]
    assert len(gets) >= 50, "GET routes were not enumerated"
    for rule in sorted(gets, key=lambda r: r.rule):
        for path, query in _paths(rule, w):
            identities = ["anonymous", "viewer", "analyst"]
            if rule.endpoint.startswith("embed."):
                identities.append("embed")
            for who in identities:
                q = query
                if who == "embed":
                    q = "&".join(p for p in (query, urlencode({"token": w.embed_token})) if p)
                url = path + (f"?{q}" if q and rule.endpoint not in SKIP_QUERY_ENDPOINTS else "")
                t0 = time.perf_counter()
                response = client.get(url, headers=w.headers.get(who, {}))
                TIMES[f"{who} {url}"] = time.perf_counter() - t0
                mimetype = response.mimetype
                if response.status_code in (301, 302, 303, 304, 308):
                    yield rule.endpoint, who, url, response.status_code, Findings()
                    continue
                metric = re.search(r"metric=(\w+)", url)
                value_is_count = (metric.group(1) if metric else "count") in COUNT_METRICS and (
                    "choropleth" in url or "hotspots" in url or "emerging" in url)
                if mimetype == "image/png":
                    assert rule.endpoint in PRINT_ENDPOINTS | {"assets.favicon"}, url
                if rule.endpoint in FILE_ENDPOINTS:  # code and icons from disk, not data
                    yield rule.endpoint, who, url, response.status_code, Findings()
                    continue
                findings = inspector.inspect(response.data, mimetype, url, value_is_count)
                yield rule.endpoint, who, url, response.status_code, findings


def test_no_incident_detail_or_small_cell_below_analyst(world: World) -> None:
    started = time.perf_counter()
    below: list[str] = []
    control = Findings()
    routes: dict[str, set[str]] = defaultdict(set)
    statuses: Counter[tuple[str, int]] = Counter()
    requests = 0
    for endpoint, who, _url, status, findings in _crawl(world):
        requests += 1
        routes[endpoint].add(who)
        statuses[(who, status // 100)] += 1
        if who == "analyst":
            control.coords += findings.coords
            control.sensitive += findings.sensitive
            control.counts += findings.counts
        elif findings.any():
            below += [f"[{who}] {x}" for x in findings.coords + findings.sensitive + findings.counts]
    elapsed = time.perf_counter() - started
    print(f"\ncrawled {len(routes)} GET routes, {requests} requests in {elapsed:.0f} s; "
          f"statuses {dict(statuses)}")
    for k, v in sorted(TIMES.items(), key=lambda kv: -kv[1])[:5]:
        print(f"{v:6.2f} {k}")
    # the detectors work: the analyst (control) sees exact points, incident fields and small counts
    assert control.coords and control.sensitive and control.counts, control
    shown: Counter[str] = Counter()
    sample = []
    for line in below:  # a few of each route and kind
        key = re.sub(r"[?/].*", "", line.split(" ", 1)[1]) + line.split(":")[-1][:12]
        shown[key] += 1
        if shown[key] <= 2:
            sample.append(line)
    assert not below, f"{len(below)} findings below analyst:\n" + "\n".join(sample[:80])
    # every identity reached every data route (files and log-in aside)
    for endpoint, seen in routes.items():
        assert {"anonymous", "viewer", "analyst"} <= seen, endpoint
