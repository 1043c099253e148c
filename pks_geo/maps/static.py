"""Print maps for briefings: a view as an A4/A3 landscape PNG or PDF, and a kecamatan atlas.

The leadership wants "a map on a slide"; a slide needs more than polygons: a title, what
was counted and when (subtitle), a legend with the class breaks and how many areas fall in
each class (zero and no-data included, so a white area is never ambiguous), a metric scale
bar, a north arrow, the date of the data, the sources and a classification marking such as
``TERBATAS``. Everything is drawn with matplotlib in WGS 84 / UTM 51S (EPSG:32751), so the
scale bar is true in metres across the map.

This module turns a view's data into pages; where each piece of furniture goes and how it
is drawn lives in :mod:`pks_geo.maps.print_layout`. Only aggregates are drawn; incident
points never are.

matplotlib is not thread-safe, and the web server is threaded: rendering is serialised by a
lock (print maps are rare and take about a second).
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import shapely
from matplotlib.figure import Figure
from pyproj import Transformer
from sqlalchemy import Engine

from pks_geo.maps import print_layout as layout
from pks_geo.maps.print_layout import NO_DATA_HATCH
from pks_geo.maps.view_data import MapData, map_data
from pks_geo.maps.views import View
from pks_geo.models import METRIC_SRID, STORAGE_SRID
from pks_geo.queries.areas import kecamatan_codes
from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import ParameterError

PAPERS_MM = {"a4": (297.0, 210.0), "a3": (420.0, 297.0)}
"""Landscape page sizes in millimetres."""
FORMATS = ("png", "pdf")
MIN_DPI, MAX_DPI, DEFAULT_DPI = 150, 300, 150
MAX_ATLAS_PAGES = 100

OUTLINE_COLOR = "#252525"
CONTEXT_FILL = "#f0f0f0"
KECAMATAN_CODE_LENGTH = len("74.05.01")

_render_lock = threading.Lock()


@dataclass(frozen=True)
class PrintOptions:
    """Paper (``a4``/``a3``, landscape), resolution and format of a print."""

    paper: str = "a4"
    dpi: int = DEFAULT_DPI
    fmt: str = "png"

    @property
    def scale(self) -> float:
        """Font and line scale relative to A4."""
        return PAPERS_MM[self.paper][0] / PAPERS_MM["a4"][0]

    def pixels(self) -> tuple[int, int]:
        """Pixel size of a PNG: the paper at ``dpi`` (A4 at 150 dpi is 1754 x 1240)."""
        width_mm, height_mm = PAPERS_MM[self.paper]
        return round(width_mm / 25.4 * self.dpi), round(height_mm / 25.4 * self.dpi)


def parse_print_options(args: Mapping[str, Any], fmt: str) -> PrintOptions:
    """``paper`` and ``dpi`` from a request or the CLI; :class:`ParameterError` names the bad one."""
    if fmt not in FORMATS:
        raise ParameterError("format", f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    paper = (args.get("paper") or "a4").lower()
    if paper not in PAPERS_MM:
        raise ParameterError("paper", f"unknown paper {paper!r}; expected a4 or a3 (landscape)")
    raw = args.get("dpi")
    try:
        dpi = DEFAULT_DPI if raw in (None, "") else int(raw)
    except (TypeError, ValueError):
        raise ParameterError("dpi", f"expected a whole number {MIN_DPI}-{MAX_DPI}, got {raw!r}") from None
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise ParameterError("dpi", f"dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    return PrintOptions(paper=paper, dpi=dpi, fmt=fmt)


# --- data to GeoDataFrames --------------------------------------------------------------------

def areas_frame(data: MapData) -> gpd.GeoDataFrame:
    """The view's areas with value, class and colour, in EPSG:32751."""
    legend = data.legend
    rows, geoms = [], []
    for feature in data.collection["features"]:
        props = feature["properties"]
        geometry = data.geometries.get(props["kode"])
        if geometry is None:
            continue
        cls = props["class"]
        if props.get("suppressed"):  # below analyst, 1 .. min_cell-1 incidents: own colour, class -1
            rows.append({"kode": props["kode"], "nama": props["nama"], "value": None, "class": -1,
                         "color": legend["suppressed"]["color"]})
            geoms.append(geometry)
            continue
        rows.append({"kode": props["kode"], "nama": props["nama"], "value": props["value"], "class": cls,
                     "color": legend["no_data"]["color"] if cls is None else legend["colors"][cls]})
        geoms.append(geometry)
    frame = gpd.GeoDataFrame(rows, geometry=shapely.from_geojson(geoms) if geoms else [],
                             crs=STORAGE_SRID)
    return frame.to_crs(METRIC_SRID)


def _without_holes(geometry: shapely.Geometry) -> shapely.Geometry:
    """Drop interior rings: between neighbours from different surveys they are gaps, not enclaves."""
    parts = shapely.get_parts(geometry)
    return shapely.multipolygons(shapely.polygons(shapely.get_exterior_ring(parts)))  # type: ignore[arg-type,return-value]


def dissolve_outlines(areas: gpd.GeoDataFrame, code_length: int | None) -> gpd.GeoDataFrame:
    """Outlines of groups of ``areas`` (by the first ``code_length`` characters of their code;
    ``None``: one outline of everything), so lines match the polygons drawn beneath them.

    The source's kecamatan and kabupaten polygons are far coarser than its desa, so
    they are never drawn over desa; gaps between neighbours are closed (30 m, and holes
    dropped) so they do not show as stray rings.
    """
    if areas.empty:
        return gpd.GeoDataFrame({"kode": []}, geometry=[], crs=areas.crs)
    keys = areas["kode"].str.slice(0, code_length) if code_length else areas["kode"].map(lambda _: "all")
    groups = areas.geometry.groupby(keys.to_numpy())
    codes, shapes = [], []
    for key, geoms in groups:
        codes.append(key)
        shapes.append(_without_holes(shapely.union_all(geoms.to_numpy()).buffer(30).buffer(-30)))
    return gpd.GeoDataFrame({"kode": codes}, geometry=shapes, crs=areas.crs)


def extent_metric(extent: Sequence[float]) -> tuple[float, float, float, float]:
    """A WGS 84 [west, south, east, north] box as EPSG:32751 bounds."""
    transformer = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
    west, south, east, north = extent
    return transformer.transform_bounds(west, south, east, north)


def legend_entries(data: MapData, classes: Sequence[int | None] | None = None) -> list[dict[str, Any]]:
    """Zero, the classes and no data, each with label, colour and count of areas.

    ``classes`` recounts the entries for a subset (an atlas page); by default the counts
    are those of the whole view.
    """
    legend = data.legend
    counts = list(legend["counts"])
    no_data_count = legend["no_data"]["count"]
    if classes is not None:
        counts = [sum(1 for c in classes if c == i) for i in range(len(legend["colors"]))]
        no_data_count = sum(1 for c in classes if c is None)
    entries = [{"label": label, "color": color, "count": count, "hatch": None}
               for label, color, count in zip(legend["labels"], legend["colors"], counts, strict=True)]
    entries.append({"label": legend["no_data"]["label"], "color": legend["no_data"]["color"],
                    "count": no_data_count, "hatch": NO_DATA_HATCH})
    if "suppressed" in legend:
        hidden = legend["suppressed"]["count"] if classes is None else sum(1 for c in classes if c == -1)
        entries.append({"label": legend["suppressed"]["label"], "color": legend["suppressed"]["color"],
                        "count": hidden, "hatch": None})
    return entries


# --- drawing ------------------------------------------------------------------------------------

def _new_figure(options: PrintOptions) -> Figure:
    if options.fmt == "png":
        width, height = options.pixels()
        # a hair over the exact size so Agg's int() truncation never drops a pixel
        return Figure(figsize=((width + 0.01) / options.dpi, (height + 0.01) / options.dpi), dpi=options.dpi)
    width_mm, height_mm = PAPERS_MM[options.paper]
    return Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=options.dpi)


@dataclass(frozen=True)
class Outlines:
    """Context lines drawn over the choropleth (EPSG:32751): the region, and kecamatan."""

    region: gpd.GeoDataFrame
    kecamatan: gpd.GeoDataFrame

    @classmethod
    def of(cls, areas: gpd.GeoDataFrame, level: str) -> Outlines:
        region = dissolve_outlines(areas, None)
        if level == "kecamatan":
            return cls(region=region, kecamatan=region.iloc[0:0])
        return cls(region=region, kecamatan=dissolve_outlines(areas, KECAMATAN_CODE_LENGTH))


def _draw_page(fig: Figure, data: MapData, areas: gpd.GeoDataFrame, outlines: Outlines, *,
               title: str, subtitle: str, bounds: tuple[float, float, float, float],
               entries: list[dict[str, Any]], options: PrintOptions, label_size: float,
               context: gpd.GeoDataFrame | None = None, page_label: str | None = None) -> None:
    s = options.scale
    ax = layout.map_axes(fig, s)
    if context is not None and not context.empty:
        context.plot(ax=ax, facecolor=CONTEXT_FILL, edgecolor="#bdbdbd", linewidth=0.3 * s)
    layout.plot_areas(ax, areas, s)
    if not outlines.kecamatan.empty:
        outlines.kecamatan.boundary.plot(ax=ax, color="#525252", linewidth=0.9 * s)
    if not outlines.region.empty:
        outlines.region.boundary.plot(ax=ax, color=OUTLINE_COLOR, linewidth=1.6 * s)
    layout.set_extent(ax, bounds)
    if label_size:
        layout.label_areas(ax, areas, s, label_size)
    layout.scale_bar(ax, s)
    layout.draw_header(fig, title, subtitle, s)
    layout.draw_legend(fig, data, entries, s)
    layout.draw_north_arrow(fig, data.texts, s)
    layout.draw_footer(fig, data, s, page_label)
    layout.draw_marking(fig, data.marking, s)


def _save(fig: Figure, options: PrintOptions, data: MapData, buffer: io.BytesIO) -> None:
    if options.fmt == "png":
        fig.savefig(buffer, format="png", dpi=options.dpi,
                    metadata={"Title": data.title, "Software": "pks-geo", "Description": data.subtitle,
                              "Copyright": data.marking})
    else:
        fig.savefig(buffer, format="pdf", dpi=options.dpi, metadata=_pdf_metadata(data))


def _pdf_metadata(data: MapData) -> dict[str, str]:
    return {"Title": data.title, "Subject": data.subtitle, "Creator": "pks-geo", "Keywords": data.marking}


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    if frame.empty:
        return (0.0, 0.0, 1.0, 1.0)
    return tuple(float(v) for v in frame.total_bounds)  # type: ignore[return-value]


def render_view(data: MapData, options: PrintOptions) -> bytes:
    """One page: the view's choropleth with all furniture, as PNG or PDF bytes."""
    areas = areas_frame(data)
    bounds = extent_metric(data.view.extent) if data.view.extent else _bounds(areas)
    # kecamatan names fit at kabupaten scale; hundreds of desa names would not
    label_size = 6.5 if data.level == "kecamatan" else 0.0
    with _render_lock:
        outlines = Outlines.of(areas, data.level)
        if "kecamatan" not in data.view.layers:
            outlines = Outlines(region=outlines.region, kecamatan=outlines.kecamatan.iloc[0:0])
        fig = _new_figure(options)
        _draw_page(fig, data, areas, outlines, title=data.title, subtitle=data.subtitle, bounds=bounds,
                   entries=legend_entries(data), options=options, label_size=label_size)
        buffer = io.BytesIO()
        _save(fig, options, data, buffer)
    return buffer.getvalue()


def _near(frame: gpd.GeoDataFrame, bounds: Sequence[float], margin: float = 0.5) -> gpd.GeoDataFrame:
    """The rows of ``frame`` that can show on a page of ``bounds`` (keeps atlas PDFs small)."""
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) * margin + 1000, (maxy - miny) * margin + 1000
    return frame.iloc[frame.sindex.query(shapely.box(minx - dx, miny - dy, maxx + dx, maxy + dy))]


def render_atlas(data: MapData, kecamatan: Sequence[tuple[str, str]], options: PrintOptions,
                 progress: Callable[[int, int], None] | None = None) -> bytes:
    """One PDF page per kecamatan: its desa choropleth, classed with the breaks of the whole view
    (so a colour means the same on every page) and a legend counting that page's desa."""
    from matplotlib.backends.backend_pdf import PdfPages

    if not kecamatan:
        raise ParameterError("within", "no kecamatan to print: load boundaries or widen 'within'")
    if len(kecamatan) > MAX_ATLAS_PAGES:
        raise ParameterError("within", f"the atlas would have {len(kecamatan)} pages (at most "
                                       f"{MAX_ATLAS_PAGES}); narrow the view with within=<kabupaten code>")
    areas = areas_frame(data)
    options = PrintOptions(paper=options.paper, dpi=options.dpi, fmt="pdf")
    buffer = io.BytesIO()
    with _render_lock, PdfPages(buffer, metadata=_pdf_metadata(data)) as pdf:
        all_outlines = dissolve_outlines(areas, KECAMATAN_CODE_LENGTH)
        for number, (kode, nama) in enumerate(kecamatan, start=1):
            inside = areas["kode"].str.startswith(kode + ".").to_numpy()
            page_areas = areas[inside]
            own = all_outlines[all_outlines["kode"] == kode]
            bounds = _bounds(own) if not own.empty else _bounds(areas)
            classes = [None if c != c else int(c) for c in page_areas["class"]]  # NaN: no data
            fig = _new_figure(options)
            _draw_page(fig, data, page_areas, Outlines(region=own, kecamatan=_near(all_outlines, bounds)),
                       options=options, title=data.texts["brief_atlas_title"].format(nama=nama, kode=kode),
                       subtitle=f"{data.title} · {data.subtitle}", bounds=bounds,
                       entries=legend_entries(data, classes), label_size=6.0,
                       context=_near(areas[~inside], bounds),
                       page_label=data.texts["brief_page"].format(n=number, total=len(kecamatan)))
            pdf.savefig(fig)
            if progress is not None:
                progress(number, len(kecamatan))
    return buffer.getvalue()


# --- entry points used by the web app and the CLI -----------------------------------------------

def _in_scope(kode: str, within: str | None) -> bool:
    """A kecamatan belongs to the atlas when it is inside ``within`` or contains it."""
    return within is None or kode == within or kode.startswith(within + ".") or within.startswith(kode + ".")


def print_view(engine: Engine, view: View, options: PrintOptions, *, lang: str, texts: dict[str, str],
               marking: str, disclosure: Disclosure = EXACT) -> bytes:
    """The view as one PNG or PDF page (``texts``: the UI catalogue in ``lang``)."""
    return render_view(map_data(engine, view, lang, texts, marking, disclosure=disclosure), options)


def print_atlas(engine: Engine, view: View, options: PrintOptions, *, lang: str, texts: dict[str, str],
                marking: str, progress: Callable[[int, int], None] | None = None,
                disclosure: Disclosure = EXACT) -> bytes:
    """The kecamatan atlas of a view: one PDF page per kecamatan, desa choropleth within it."""
    data = map_data(engine, view, lang, texts, marking, level="desa", disclosure=disclosure)
    within = data.collection["filters"]["within"]
    names = kecamatan_codes(engine)
    kecamatan = [(kode, names[kode]) for kode in sorted(names) if _in_scope(kode, within)]
    return render_atlas(data, kecamatan, options, progress)
