"""Load a road network (GeoJSON / GeoPackage / Shapefile lines) into ``road_edge`` for pgRouting.

An OSM extract does not split a way where another way joins it: the two share a node in the
middle of both. So the lines are noded here the way osm2pgrouting does it: a vertex becomes a
junction when it is a line's end or appears in more than one place (another line, or the same
line twice); each line is cut at its junctions (and every ``MAX_EDGE_M``, see there). Lines
that merely cross without a shared vertex (a bridge over a road) stay unconnected, which is
right for roads. ``pgr_createTopology`` would snap by distance instead and join such
crossings, and is deprecated in pgRouting 3.8.

Costs are metres (geodesic length): patrol plans turn them into time with the plan's speed.
An OSM ``oneway=yes`` line gets ``reverse_cost = -1`` (``-1`` reverses it first). With an
OSM ``highway`` column, rows with no highway value (waterways, power lines in a ``lines``
layer) are skipped. The load replaces the whole network in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.report import ImportFailed
from pks_geo.models import STORAGE_SRID

CLASS_FIELDS = ("highway", "fclass", "class", "type", "remark")
NAME_FIELDS = ("name", "nama", "namrjl", "namobj")
DECIMALS = 7
"""Vertices equal to 7 decimals of a degree (about 1 cm) are one junction."""
MAX_EDGE_M = 250.0
"""Longer stretches between junctions are cut into edges of about this length (segments are first
split at ``SEGMENT_DEG``), so a TPS beside a long road snaps to a vertex within a few hundred
metres instead of a junction kilometres away."""
SEGMENT_DEG = 0.002
"""Longest straight segment kept, in degrees (about 220 m)."""
M_PER_DEG = 111_320.0


@dataclass
class RoadLoad:
    """What a load did: lines read and skipped, edges and vertices stored, network size."""

    lines: int
    skipped: int
    edges: int
    vertices: int
    km: float
    components: int | None = None
    largest_share: float | None = None

    def summary(self) -> str:
        parts = [f"{self.lines} lines read", f"{self.skipped} skipped (not roads)",
                 f"{self.edges} edges", f"{self.vertices} vertices", f"{self.km:.1f} km"]
        if self.components is not None and self.largest_share is not None:
            parts.append(f"{self.components} connected parts (largest: {self.largest_share:.0%} of vertices)")
        return "roads loaded: " + ", ".join(parts)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_road_file(path: Path, crs: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Road lines in WGS 84; raise :class:`ImportFailed` naming the file when they cannot be read."""
    if not path.exists():
        raise ImportFailed(f"{path}: file not found")
    try:
        frame = pyogrio.read_dataframe(path, layer=layer)
    except Exception as exc:  # pyogrio raises several DataSource/Field error types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(f"{path}: cannot be read as a vector file ({first})") from exc
    if frame.geometry is None or len(frame) == 0:
        raise ImportFailed(f"{path}: contains no features with geometry")
    if frame.crs is None and crs is None:
        raise ImportFailed(f"{path}: has no coordinate reference system; pass --crs, e.g. --crs EPSG:4326")
    if crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    return frame.to_crs(STORAGE_SRID)


def _field(frame: pd.DataFrame, names: tuple[str, ...]) -> pd.Series | None:
    lower = {str(c).lower(): c for c in frame.columns}
    for name in names:
        if name in lower:
            return frame[lower[name]]
    return None


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    value = str(value).strip()
    return value or None


def road_lines(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Single LineStrings with ``highway``, ``name`` and ``oneway`` (-1, 0, 1); also the number skipped."""
    highway, name = _field(frame, CLASS_FIELDS), _field(frame, NAME_FIELDS)
    oneway = _field(frame, ("oneway",))
    out = gpd.GeoDataFrame({
        "highway": highway.map(_text) if highway is not None else None,
        "name": name.map(_text) if name is not None else None,
        "oneway": oneway.map(lambda v: {"yes": 1, "true": 1, "1": 1, "-1": -1}.get(str(v).strip().lower(), 0))
        if oneway is not None else 0,
    }, geometry=frame.geometry.values, crs=frame.crs)
    keep = out.geometry.notna() & out.geom_type.isin(["LineString", "MultiLineString"])
    if highway is not None and str(highway.name).lower() == "highway":
        keep &= out["highway"].notna()
    kept = out[keep].explode(index_parts=False, ignore_index=True)
    kept = kept[~kept.geometry.is_empty & (shapely.get_num_coordinates(kept.geometry.values) >= 2)]
    reverse = (kept["oneway"] == -1).to_numpy()
    if reverse.any():
        kept.loc[reverse, "geometry"] = shapely.reverse(kept.geometry.values[reverse])
        kept.loc[reverse, "oneway"] = 1
    return kept.reset_index(drop=True), int((~keep).sum())


def node_lines(lines: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cut LineStrings at their junctions, and wherever a piece would pass ``MAX_EDGE_M``.

    Returns the pieces' coordinates, each piece's source line index, source and target vertex
    ids, and the vertex coordinates (row = id - 1)."""
    lines = shapely.segmentize(lines, SEGMENT_DEG)
    coords, owner = shapely.get_coordinates(lines, return_index=True)
    keys = np.round(coords, DECIMALS)
    unique, inverse, counts = np.unique(keys, axis=0, return_inverse=True, return_counts=True)
    inverse = inverse.reshape(-1)
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    ends = np.r_[starts[1:], len(owner)] - 1
    cut = counts[inverse] > 1
    cut[starts] = True
    cut[ends] = True
    dx = np.diff(coords[:, 0]) * np.cos(np.radians(coords[:-1, 1]))
    step = np.hypot(dx, np.diff(coords[:, 1])) * M_PER_DEG
    for a, b in zip(starts, ends, strict=True):
        run = 0.0
        for k in range(a + 1, b):
            run += step[k - 1]
            if cut[k] or run >= MAX_EDGE_M:
                cut[k], run = True, 0.0
    used = np.unique(inverse[cut])
    vertex_id = np.zeros(len(unique), dtype=np.int64)
    vertex_id[used] = np.arange(1, len(used) + 1)
    pieces: list[np.ndarray] = []
    line_of, source, target = [], [], []
    for a, b in zip(starts, ends, strict=True):
        cuts = a + np.flatnonzero(cut[a:b + 1])
        for c0, c1 in zip(cuts[:-1], cuts[1:], strict=True):
            pieces.append(coords[c0:c1 + 1])
            line_of.append(owner[a])
            source.append(vertex_id[inverse[c0]])
            target.append(vertex_id[inverse[c1]])
    return (pieces, np.asarray(line_of, dtype=np.int64), np.asarray(source, dtype=np.int64),
            np.asarray(target, dtype=np.int64), unique[used])


INSERT_VERTICES = text("""
INSERT INTO road_vertex (id, geom)
SELECT id, ST_SetSRID(ST_MakePoint(x, y), 4326)
FROM unnest(CAST(:ids AS bigint[]), CAST(:xs AS float8[]), CAST(:ys AS float8[])) AS v(id, x, y)
""")
INSERT_EDGES = text("""
INSERT INTO road_edge (id, source, target, cost, reverse_cost, length_m, highway, name, geom)
SELECT id, source, target, 0, 0, 0, highway, name, ST_GeomFromWKB(wkb, 4326)
FROM unnest(CAST(:ids AS bigint[]), CAST(:sources AS bigint[]), CAST(:targets AS bigint[]),
            CAST(:highways AS text[]), CAST(:names AS text[]), CAST(:wkbs AS bytea[]))
     AS e(id, source, target, highway, name, wkb)
""")
COSTS = text("""
UPDATE road_edge SET length_m = ST_Length(geom::geography), cost = ST_Length(geom::geography),
       reverse_cost = CASE WHEN id = ANY(CAST(:oneway AS bigint[])) THEN -1
                           ELSE ST_Length(geom::geography) END
""")
COMPONENTS = text("""
SELECT count(*), max(n)::float / sum(n) FROM (
  SELECT component, count(*) AS n
  FROM pgr_connectedComponents('SELECT id, source, target, cost, cost AS reverse_cost FROM road_edge')
  GROUP BY component) c
""")


def has_pgrouting(conn: Connection) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pgrouting'")).first() is not None


def ensure_pgrouting(conn: Connection) -> None:
    """Create the extension when the server has it; else say which package the server needs."""
    if has_pgrouting(conn):
        return
    available = conn.execute(text("SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting'")).first()
    if available is None:
        raise ImportFailed("the database server has no pgRouting: install the Debian package "
                           "postgresql-15-pgrouting (scripts/install-system-deps.sh) and run again")
    conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgrouting"))


def load_roads(engine: Engine, path: Path, crs: str | None = None, layer: str | None = None) -> RoadLoad:
    """Replace the road network with the lines of ``path``; returns counts of what was stored."""
    frame = read_road_file(path, crs, layer)
    lines, skipped = road_lines(frame)
    if len(lines) == 0:
        raise ImportFailed(f"{path}: no road lines (LineString with a highway class) to load")
    pieces, line_of, source, target, vertices = node_lines(lines.geometry.values)
    keep = source != target  # a closed ring between one junction: no use for routing
    oneway = lines["oneway"].to_numpy()[line_of] == 1
    ids = np.arange(1, int(keep.sum()) + 1)
    wkbs = shapely.to_wkb([shapely.LineString(p) for p, k in zip(pieces, keep, strict=True) if k])
    with engine.begin() as conn:
        ensure_pgrouting(conn)
        conn.execute(text("TRUNCATE road_edge, road_vertex"))
        conn.execute(INSERT_VERTICES, {"ids": list(range(1, len(vertices) + 1)),
                                       "xs": vertices[:, 0].tolist(), "ys": vertices[:, 1].tolist()})
        conn.execute(INSERT_EDGES, {
            "ids": ids.tolist(), "sources": source[keep].tolist(), "targets": target[keep].tolist(),
            "highways": lines["highway"].to_numpy()[line_of][keep].tolist(),
            "names": lines["name"].to_numpy()[line_of][keep].tolist(), "wkbs": [bytes(w) for w in wkbs]})
        conn.execute(COSTS, {"oneway": ids[oneway[keep]].tolist()})
        km = float(conn.execute(text("SELECT coalesce(sum(length_m), 0) / 1000 FROM road_edge")).scalar_one())
        components, share = conn.execute(COMPONENTS).one()
        conn.execute(text("ANALYZE road_edge"))
        conn.execute(text("ANALYZE road_vertex"))
    return RoadLoad(len(lines), skipped, len(ids), len(vertices), km, int(components), float(share))


def remove_roads(engine: Engine) -> int:
    """Delete the road network (patrol plans go back to straight lines); returns the edges removed."""
    with engine.begin() as conn:
        n = int(conn.execute(text("SELECT count(*) FROM road_edge")).scalar() or 0)
        conn.execute(text("TRUNCATE road_edge, road_vertex"))
    return n
