"""Distances and paths that stay on land, for patrol routes when no road network is loaded.

Straight lines between TPS are a fair stand-in for roads inland, but not across a bay: in
Konawe Selatan a straight "route" from Lapuko to Ranooha Raya (kecamatan Moramo) runs 3.6 of
its 6.3 km over the sea, and sectors built on straight distances grouped TPS on both shores
of a bay. Here the district's land (the union of its desa, in UTM 51S metres) is laid on a
grid; a leg whose straight line stays on land keeps the straight line, any other leg takes
the shortest path over land cells (8-connected, scipy's Dijkstra), and TPS on pieces of land
that do not touch (islands) are never in one sector.

The grid is coarse on purpose (``CELL_M``): a cell counts as land when its centre lies
within ``COAST_SHARE`` cells of the land, so narrow spits stay connected, and a land path
keeps within ``SHORE_M`` of the shore (it may cut a corner of a coast, never a bay wider
than that). Each path is exact on the grid and a
lower bound on any road, like the straight line it replaces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import ndimage
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID
from pks_geo.queries.versions import data_versions

CELL_M = 250.0
"""Grid cell size in metres: about 72,000 land cells for Konawe Selatan."""
COAST_SHARE = 0.71
"""A cell is land when its centre lies within this many cell sizes of the land: just over half
a diagonal, so that a spit or strip of land of any width and direction keeps its cells
8-connected, while water wider than about 1.4 cells stays water."""
DETOUR_LIMIT = 4.0
"""A land path longer than this many times the points' straight extent counts as no path."""
SHORE_M = 1.6 * CELL_M
"""How far off the shore a land path may run: a cell centre lies within 0.71 cells of land, a
diagonal step between two such cells within 1.42, and drawing the path simplified adds 0.25
(measured on Konawe Selatan: at most 275 m)."""
STRAIGHT_TOLERANCE_M = 60.0
"""A straight leg may leave the land by this much (a TPS on the shore, a coarse coastline)."""

LAND_SQL = text("""
SELECT ST_AsBinary(ST_Transform(ST_UnaryUnion(ST_Collect(geom)), :srid))
FROM admin_area WHERE level = 'desa'
""")

_STEPS = ((0, 1), (1, 0), (1, 1), (1, -1))
"""Half of the 8 neighbour directions; the graph is symmetric."""


@dataclass(eq=False)
class LandGrid:
    """Land cells of one district with their graph; ``node`` maps a cell to its graph index."""

    land: BaseGeometry
    x0: float
    y0: float
    shape: tuple[int, int]
    node: np.ndarray
    """(ny, nx) int array: graph index of each land cell, -1 for water."""
    cells: np.ndarray
    """(n, 2) cell centres (x, y) of the graph's nodes."""
    component: np.ndarray
    """Connected piece of land of each node (islands differ)."""
    graph: csr_matrix
    shore: BaseGeometry
    """The land widened by ``STRAIGHT_TOLERANCE_M``, prepared for line-in-polygon tests."""

    def snap(self, xy: np.ndarray) -> np.ndarray:
        """The nearest land node of each point (a post or TPS just off the coast included)."""
        col = np.clip(np.round((xy[:, 0] - self.x0) / CELL_M).astype(int), 0, self.shape[1] - 1)
        row = np.clip(np.round((xy[:, 1] - self.y0) / CELL_M).astype(int), 0, self.shape[0] - 1)
        nodes = self.node[row, col]
        for k in np.flatnonzero(nodes < 0):  # rare: search the nearest land cell
            nodes[k] = int(np.argmin(np.hypot(*(self.cells - xy[k]).T)))
        return nodes

    def straight_ok(self, a: np.ndarray, b: np.ndarray) -> bool:
        """Whether the straight leg a→b stays on land (within the tolerance)."""
        if np.allclose(a, b):
            return True
        return bool(self.shore.contains(shapely.LineString([a, b])))

    def paths(self, xy: np.ndarray) -> LandPaths:
        """Distances and paths between all points of ``xy`` (a sector, or a group being split)."""
        return LandPaths(self, xy)


class LandPaths:
    """Pairwise distances between a few points: straight where that stays on land, else over land.

    Dijkstra runs only from points that have a leg crossing water, so a compact inland sector
    costs a handful of line-in-polygon checks."""

    def __init__(self, grid: LandGrid, xy: np.ndarray) -> None:
        self.grid = grid
        self.xy = xy
        n = len(xy)
        self.nodes = grid.snap(xy) if n else np.zeros(0, dtype=int)
        self.dist = np.zeros((n, n))
        self._pred: dict[int, np.ndarray] = {}
        self._over_land = np.zeros((n, n), dtype=bool)
        for i in range(n):
            for j in range(i + 1, n):
                same_piece = grid.component[self.nodes[i]] == grid.component[self.nodes[j]]
                if not same_piece:
                    self.dist[i, j] = self.dist[j, i] = np.inf
                elif grid.straight_ok(xy[i], xy[j]):
                    self.dist[i, j] = self.dist[j, i] = float(np.hypot(*(xy[i] - xy[j])))
                else:
                    self._over_land[i, j] = self._over_land[j, i] = True
        sources = np.flatnonzero(self._over_land.any(axis=1))
        if len(sources):
            # A detour of more than DETOUR_LIMIT times the widest straight distance is as good as
            # unreachable (inf): bounding the search keeps a Dijkstra to the neighbourhood.
            limit = DETOUR_LIMIT * float(np.hypot(*(xy.max(axis=0) - xy.min(axis=0)))) + 2 * CELL_M
            graph_dist, pred = dijkstra(grid.graph, indices=self.nodes[sources], return_predecessors=True,
                                        limit=limit)
            for row, source in enumerate(sources):
                i = int(source)
                self._pred[i] = pred[row]
                for target in np.flatnonzero(self._over_land[i]):
                    j = int(target)
                    # snapping moved each end to its cell centre: add those short hops back
                    hops = (np.hypot(*(xy[i] - grid.cells[self.nodes[i]]))
                            + np.hypot(*(xy[j] - grid.cells[self.nodes[j]])))
                    self.dist[i, j] = float(graph_dist[row, self.nodes[j]]) + hops

    def leg(self, i: int, j: int) -> np.ndarray:
        """Coordinates of the leg i→j: the straight line, or the land path (both ends exact).

        Points with no land path between them (islands, or a detour beyond the limit) are
        joined by the straight line: the crossing a boat would make."""
        if not self._over_land[i, j] or not np.isfinite(self.dist[i, j]):
            return np.vstack([self.xy[i], self.xy[j]])
        if i not in self._pred:  # only the other end was a Dijkstra source: walk it backwards
            return self.leg(j, i)[::-1]
        pred, target, cells = self._pred[i], int(self.nodes[j]), []
        while target >= 0 and target != self.nodes[i]:
            cells.append(target)
            target = int(pred[target])
        cells.append(int(self.nodes[i]))
        grid_path = self.grid.cells[cells[::-1]]
        line = shapely.LineString(np.vstack([self.xy[i], grid_path, self.xy[j]]))
        simple = line.simplify(CELL_M / 4, preserve_topology=False)  # staircase -> a few segments
        return np.asarray(simple.coords)


def build_land_grid(land: BaseGeometry) -> LandGrid:
    """The grid and its 8-connected graph over ``land`` (metric coordinates)."""
    minx, miny, maxx, maxy = land.bounds
    x0, y0 = minx - CELL_M, miny - CELL_M
    nx = int(np.ceil((maxx - x0) / CELL_M)) + 2
    ny = int(np.ceil((maxy - y0) / CELL_M)) + 2
    xs, ys = np.meshgrid(x0 + np.arange(nx) * CELL_M, y0 + np.arange(ny) * CELL_M)
    coast = land.buffer(CELL_M * COAST_SHARE)
    shapely.prepare(coast)
    mask = shapely.contains_xy(coast, xs, ys)
    node = np.full(mask.shape, -1, dtype=np.int64)
    node[mask] = np.arange(int(mask.sum()))
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    rows, cols, weights = [], [], []
    for dy, dx in _STEPS:
        a = node[max(0, -dy):ny - max(0, dy), max(0, -dx):nx - max(0, dx)]
        b = node[max(0, dy):ny - max(0, -dy), max(0, dx):nx - max(0, -dx)]
        both = (a >= 0) & (b >= 0)
        rows.append(a[both])
        cols.append(b[both])
        weights.append(np.full(int(both.sum()), CELL_M * float(np.hypot(dx, dy))))
    r, c, w = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    n = int(mask.sum())
    graph = csr_matrix((np.concatenate([w, w]), (np.concatenate([r, c]), np.concatenate([c, r]))),
                       shape=(n, n))
    cells = np.column_stack([xs[mask], ys[mask]])
    shore = land.buffer(STRAIGHT_TOLERANCE_M)
    shapely.prepare(shore)
    return LandGrid(land, x0, y0, (ny, nx), node, cells, labels[mask], graph, shore)


_GRIDS: dict[tuple[str, int], LandGrid | None] = {}
"""The current district's grid, keyed by database and boundary version."""


def land_grid(engine: Engine) -> LandGrid | None:
    """The loaded district's land grid, rebuilt only when the boundaries change; None without desa."""
    version = data_versions(engine, ("admin_area",)).versions["admin_area"]
    key = (engine.url.render_as_string(hide_password=True), version)
    if key not in _GRIDS:
        with engine.connect() as conn:
            wkb = conn.execute(LAND_SQL, {"srid": METRIC_SRID}).scalar()
        _GRIDS.clear()  # one district per process: keep only the current grid
        _GRIDS[key] = build_land_grid(shapely.from_wkb(bytes(wkb))) if wkb else None
    return _GRIDS[key]
