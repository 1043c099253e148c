"""Printable patrol-sector sheets: one PDF per Polsek, one A4 portrait page per sector (more
when a sector has more stops than fit), for the patrol team's clipboard on voting day.

A page holds the sector's map (desa outlines and names for orientation, the sector's area,
its route, the post and the TPS numbered in visiting order and coloured by category) and the
ordered stop list: TPS code, desa, address, category, leg and cumulative distance and the
minutes after leaving the post. Drawn with matplotlib in EPSG:32751 like the briefing maps
(:mod:`pks_geo.maps.static`, whose lock serialises rendering and whose scale bar and marking
are reused), so nothing at run time comes from the internet and no new library is needed.

Times follow :func:`pks_geo.planning.patrol._sector`: road distance = route length x
``detour_factor`` (x 1 along a loaded road network), driven at ``speed_kmh``, plus
``stop_minutes`` at each TPS before.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from pyproj import Transformer
from sqlalchemy import Engine, text

from pks_geo.formats import format_date, format_number
from pks_geo.maps import print_layout as layout
from pks_geo.maps.patrol_style import CATEGORY_COLORS, ROUTE_COLORS
from pks_geo.maps.static import _render_lock
from pks_geo.models import METRIC_SRID, STORAGE_SRID
from pks_geo.planning.patrol import PatrolConfig, Sector, Stop

A4_PORTRAIT_IN = (210 / 25.4, 297 / 25.4)
MAP_AXES = (0.06, 0.50, 0.88, 0.37)
"""(left, bottom, width, height) of the map on a sector's first page, in figure fractions."""
ROW_STEP = 0.0165
TABLE_FONT = 7.2
TABLE_BOTTOM = 0.085
CONTINUED_TOP = 0.855
"""Where the list goes on, on a sector's further pages (under a header of up to three lines)."""
COLUMNS = ((0.06, "left"), (0.095, "left"), (0.245, "left"), (0.41, "left"), (0.635, "left"),
           (0.77, "right"), (0.85, "right"), (0.94, "right"))
"""x and alignment of: No, TPS code, desa, address, category, leg km, cumulative km, minutes."""
DESA_SQL = text("""
SELECT nama, ST_SimplifyPreserveTopology(ST_Transform(geom, :srid), 5) AS geom FROM admin_area
WHERE level = 'desa' AND geom && ST_MakeEnvelope(:w, :s, :e, :n, 4326)
""")


@dataclass(frozen=True)
class SheetData:
    """Everything one Polsek's sheet shows; ``texts`` is the UI catalogue in ``lang``."""

    polsek_nama: str
    election_name: str
    sectors: list[Sector]
    config: PatrolConfig
    addresses: Mapping[str, str | None]
    texts: Mapping[str, str]
    lang: str
    marking: str
    region: str | None = None
    routing: str = "land"
    """The plan's ``routing``: ``road`` (a loaded road network) changes what the page says about
    how distances were measured."""
    generated: date = field(default_factory=date.today)


def desa_context(engine: Engine, sectors: list[Sector], margin_deg: float = 0.03) -> gpd.GeoDataFrame:
    """Desa polygons around the sectors (EPSG:32751), the sheet's only background: no tiles."""
    lons = [c[0] for s in sectors for c in s.route.coords]
    lats = [c[1] for s in sectors for c in s.route.coords]
    params = {"srid": METRIC_SRID, "w": min(lons) - margin_deg, "s": min(lats) - margin_deg,
              "e": max(lons) + margin_deg, "n": max(lats) + margin_deg}
    with engine.connect() as conn:
        return gpd.read_postgis(DESA_SQL, conn, geom_col="geom", params=params, crs=METRIC_SRID)


def arrival_minutes(stop: Stop, config: PatrolConfig, sector: Sector | None = None) -> float:
    """Minutes after leaving the post at which the team reaches ``stop``.

    The route's own road length per metre (``road_km_est`` / length) replaces ``detour_factor``
    when the sector is given: 1 along a loaded road network, the factor on straight lines."""
    factor = config.detour_factor
    if sector is not None and sector.length_m > 0:
        factor = sector.road_km_est * 1000 / sector.length_m
    road_km = stop.cumulative_m / 1000 * factor
    return road_km / config.speed_kmh * 60 + (stop.order - 1) * config.stop_minutes


def _metric(sector: Sector) -> tuple[shapely.Geometry, shapely.Geometry]:
    to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
    route = shapely.transform(sector.route, lambda c: _stack(to_metric.transform(c[:, 0], c[:, 1])))
    area = shapely.transform(sector.polygon, lambda c: _stack(to_metric.transform(c[:, 0], c[:, 1])))
    return route, area


def _stack(xy: tuple) -> np.ndarray:
    return np.column_stack(xy)


def _fit(ax: Axes, bounds: tuple[float, float, float, float], pad: float = 0.08) -> None:
    """Show ``bounds`` with a margin, widened to the axes' shape so 1 m is 1 m both ways."""
    minx, miny, maxx, maxy = bounds
    dx, dy = max(maxx - minx, 600.0), max(maxy - miny, 600.0)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    dx, dy = dx * (1 + 2 * pad), dy * (1 + 2 * pad)
    fig_w, fig_h = A4_PORTRAIT_IN
    ratio = (MAP_AXES[2] * fig_w) / (MAP_AXES[3] * fig_h)
    dx, dy = (dy * ratio, dy) if dx / dy < ratio else (dx, dx / ratio)
    ax.set_xlim(cx - dx / 2, cx + dx / 2)
    ax.set_ylim(cy - dy / 2, cy + dy / 2)
    ax.set_aspect("equal", adjustable="box")


def _draw_map(fig: Figure, data: SheetData, sector: Sector, desa: gpd.GeoDataFrame, color: str) -> None:
    ax = fig.add_axes(MAP_AXES)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#dfe8ef")  # water and land outside the loaded desa
    route, area = _metric(sector)
    to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
    _fit(ax, shapely.union(route, area).bounds)
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    desa = desa.iloc[desa.sindex.query(shapely.box(x0, y0, x1, y1))] if not desa.empty else desa
    if not desa.empty:
        desa.plot(ax=ax, facecolor="#f7f7f2", edgecolor="#9e9e9e", linewidth=0.4)
        halo = [patheffects.withStroke(linewidth=2, foreground="white")]
        for name, point in zip(desa["nama"], desa.geometry.representative_point(), strict=True):
            if x0 < point.x < x1 and y0 < point.y < y1:
                ax.text(point.x, point.y, name, fontsize=6, color="#616161", ha="center", va="center",
                        path_effects=halo, clip_on=True, zorder=2)
    gpd.GeoSeries([area], crs=METRIC_SRID).plot(ax=ax, facecolor=color, alpha=0.10, edgecolor=color,
                                                linewidth=0.8, linestyle="--", zorder=3)
    xs, ys = shapely.get_coordinates(route).T
    ax.plot(xs, ys, color=color, linewidth=2.2, zorder=4, solid_capstyle="round")
    px, py = to_metric.transform(sector.start_lon, sector.start_lat)
    ax.scatter([px], [py], marker="s", s=120, color="#1f3b57", edgecolor="black", zorder=6)
    ax.text(px, py, "P", color="white", fontsize=7, fontweight="bold", ha="center", va="center", zorder=7)
    for stop in sector.stops:
        x, y = to_metric.transform(stop.lon, stop.lat)
        ax.scatter([x], [y], s=150, color=CATEGORY_COLORS.get(stop.category, "#bdbdbd"), edgecolor="black",
                   linewidth=0.8, zorder=6)
        ax.text(x, y, str(stop.order), fontsize=6.5, fontweight="bold", ha="center", va="center", zorder=7,
                color="white" if stop.category == "sangat rawan" else "#111111")
    ax.set_xlabel("")  # geopandas labels the axes with the CRS's units; a map needs none
    ax.set_ylabel("")
    layout.scale_bar(ax, 0.9)
    ax.annotate(data.texts["brief_north"], xy=(0.96, 0.95), xytext=(0.96, 0.84), xycoords="axes fraction",
                ha="center", va="center", fontsize=9, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2})


def _header(fig: Figure, data: SheetData, sector: Sector, index: int, continued: bool) -> None:
    t, lang = data.texts, data.lang
    fig.text(0.06, 0.945, t["sheet_title"].format(polsek=data.polsek_nama), fontsize=14, fontweight="bold",
             va="bottom")
    line1 = t["sheet_sector_line"].format(
        sector=sector.id, n=index + 1, total=len(data.sectors), tps=len(sector.stops),
        km=format_number(sector.road_km_est, lang, 1), minutes=round(sector.minutes_est))
    if continued:
        line1 += " " + t["sheet_continued"]
    c = data.config
    line2 = t["sheet_params_line"].format(
        election=data.election_name, start=sector.start_name, speed=format_number(c.speed_kmh, lang),
        stop=format_number(c.stop_minutes, lang),
        distance=t["sheet_distance_road"] if data.routing == "road"
        else t["sheet_distance_line"].format(detour=format_number(c.detour_factor, lang, 1)))
    fig.text(0.06, 0.938, "\n".join([line1, *textwrap.wrap(line2, 120)[:2]]), fontsize=8, va="top",
             color="#333333", linespacing=1.4)


def _rows(data: SheetData, sector: Sector) -> list[tuple[str, ...]]:
    t, lang, km = data.texts, data.lang, (lambda m: format_number(m / 1000, data.lang, 1))
    depart = textwrap.shorten(t["sheet_depart"].format(start=sector.start_name), 60, placeholder="…")
    rows: list[tuple[str, ...]] = [("0", "", depart, "", "", "", km(0), "0")]
    for stop in sector.stops:
        address = data.addresses.get(stop.kode_tps) or "–"
        rows.append((str(stop.order), stop.kode_tps,
                     textwrap.shorten(f"TPS {stop.no_tps:03d} {stop.desa_nama or ''}", 30, placeholder="…"),
                     textwrap.shorten(address, 44, placeholder="…"), stop.category,
                     km(stop.leg_m), km(stop.cumulative_m),
                     format_number(arrival_minutes(stop, data.config, sector), lang)))
    if sector.closed and sector.stops:
        rows.append(("", "", t["sheet_return"], "", "", km(sector.length_m - sector.stops[-1].cumulative_m),
                     km(sector.length_m), format_number(sector.minutes_est, lang)))
    return rows


def _line_em() -> float:
    """Height of one text line in em (ascender + descender of the default font's OS/2 or hhea
    table), which matplotlib uses for a fixed ``linespacing``: lets one multi-line text per
    column keep exactly :data:`ROW_STEP` between rows."""
    font = get_font(findfont(FontProperties()))
    head = font.get_sfnt_table("head")
    units = head["unitsPerEm"] if head else 2048
    os2 = font.get_sfnt_table("OS/2")
    if os2:
        return (os2["sTypoAscender"] - os2["sTypoDescender"]) / units
    hhea = font.get_sfnt_table("hhea")
    if hhea:
        return (hhea["ascent"] - hhea["descent"]) / units
    return 1.2


def _table(fig: Figure, data: SheetData, rows: list[tuple[str, ...]], top: float) -> None:
    """The stop list: one multi-line text per column (a text per cell would cost ~5 ms each to
    write to PDF, seconds for a Polsek) and a hairline under every row."""
    t = data.texts
    heads = ("No", t["sheet_col_tps"], t["sheet_col_desa"], t["sheet_col_address"], t["sec_category"],
             t["sheet_col_leg"], t["sheet_col_total"], t["sheet_col_minutes"])
    for (x, align), head in zip(COLUMNS, heads, strict=True):
        fig.text(x, top, head, fontsize=TABLE_FONT, fontweight="bold", ha=align, va="bottom")
    first = top - 0.006
    pitch_pt = ROW_STEP * fig.get_size_inches()[1] * 72
    spacing = pitch_pt / (_line_em() * TABLE_FONT)
    for column, (x, align) in enumerate(COLUMNS):
        fig.text(x, first, "\n".join(row[column] or " " for row in rows), fontsize=TABLE_FONT, ha=align,
                 va="top", color="#111111", linespacing=spacing, multialignment=align)
    lines = [[(0.06, first - k * ROW_STEP), (0.94, first - k * ROW_STEP)] for k in range(1, len(rows) + 1)]
    fig.add_artist(LineCollection(lines, transform=fig.transFigure, colors="#d9d9d9", linewidths=0.5))
    fig.add_artist(LineCollection([[(0.06, top - 0.004), (0.94, top - 0.004)]], transform=fig.transFigure,
                                  colors="#555555", linewidths=0.6))


def _footer(fig: Figure, data: SheetData, page: int, pages: int) -> None:
    t = data.texts
    note = t["sheet_note_road"] if data.routing == "road" else t["sheet_note"]
    fig.text(0.06, 0.052, "\n".join(textwrap.wrap(note, 150)), fontsize=6.3, color="#555555",
             va="top", linespacing=1.3)
    made = f"pks-geo · {data.region or ''} · {format_date(data.generated, data.lang)}".replace(" ·  ·", " ·")
    fig.text(0.06, 0.058, made, fontsize=7, color="#333333", va="bottom")
    fig.text(0.94, 0.058, t["brief_page"].format(n=page, total=pages), fontsize=7, color="#333333",
             ha="right", va="bottom")


def _chunks(rows: list[tuple[str, ...]]) -> list[list[tuple[str, ...]]]:
    """The first page's rows under the map, the rest on pages of their own."""
    first = int((MAP_AXES[1] - 0.04 - TABLE_BOTTOM) / ROW_STEP)
    rest = int((CONTINUED_TOP - TABLE_BOTTOM) / ROW_STEP)
    out = [rows[:first]]
    out += [rows[i:i + rest] for i in range(first, len(rows), rest)]
    return out


def sheet_pages(data: SheetData, desa: gpd.GeoDataFrame) -> Iterator[Figure]:
    """The sheet's pages as figures, in order (saved to PDF by :func:`render_polsek_sheet`;
    a test or a preview can save one as PNG). Call under :data:`_render_lock`."""
    plan = [(i, s, _chunks(_rows(data, s))) for i, s in enumerate(data.sectors)]
    pages = sum(len(chunks) for _, _, chunks in plan)
    page = 0
    for index, sector, chunks in plan:
        for part, rows in enumerate(chunks):
            page += 1
            fig = Figure(figsize=A4_PORTRAIT_IN)
            _header(fig, data, sector, index, continued=part > 0)
            if part == 0:
                _draw_map(fig, data, sector, desa, ROUTE_COLORS[index % len(ROUTE_COLORS)])
                _table(fig, data, rows, MAP_AXES[1] - 0.025)
            else:
                _table(fig, data, rows, CONTINUED_TOP)
            _footer(fig, data, page, pages)
            layout.draw_marking(fig, data.marking, 0.85)
            yield fig


def render_polsek_sheet(data: SheetData, desa: gpd.GeoDataFrame) -> bytes:
    """The Polsek's sheet as PDF bytes: per sector its map and ordered stop list."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    metadata = {"Title": data.texts["sheet_title"].format(polsek=data.polsek_nama),
                "Subject": data.election_name, "Creator": "pks-geo", "Keywords": data.marking}
    with _render_lock, PdfPages(buffer, metadata=metadata) as pdf:
        for fig in sheet_pages(data, desa):
            pdf.savefig(fig)
    return buffer.getvalue()
