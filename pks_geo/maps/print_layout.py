"""Page furniture of print maps: where things go on the page, and how each is drawn.

The layout is fixed in figure fractions, which keeps A4 and A3 (both 1:√2 landscape)
identical apart from size (fonts and lines scale with ``s``, the paper width relative to
A4) and lets tests find the legend on a rendered image (:data:`LEGEND_BOX`). Panels are
drawn straight onto the figure through :func:`box_transform` rather than as extra Axes,
which matters for a 25-page atlas (an Axes costs tens of milliseconds to create).
"""

from __future__ import annotations

import textwrap
from typing import Any

import geopandas as gpd
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Polygon, Rectangle
from matplotlib.transforms import Bbox, BboxTransformTo, Transform, TransformedBbox
from matplotlib_scalebar.scalebar import ScaleBar

from pks_geo.maps.view_data import MapData

MAP_BOX = (0.025, 0.085, 0.675, 0.775)
"""(left, bottom, width, height) of the map, in figure fractions."""
LEGEND_BOX = (0.725, 0.38, 0.25, 0.48)
"""The framed legend panel, in figure fractions (tests look for ink inside it)."""
NORTH_BOX = (0.80, 0.16, 0.10, 0.17)

MARKING_COLOR = "#b2182b"
NO_DATA_HATCH = "////"


def draw_marking(fig: Figure, marking: str, s: float) -> None:
    """The marking at top and bottom centre, where classified papers carry it."""
    if not marking:
        return
    box = {"boxstyle": "square,pad=0.3", "facecolor": "white", "edgecolor": MARKING_COLOR,
           "linewidth": 1.2 * s}
    for y, va in ((0.985, "top"), (0.012, "bottom")):
        fig.text(0.5, y, marking, ha="center", va=va, fontsize=11 * s, fontweight="bold",
                 color=MARKING_COLOR, bbox=box)


def draw_header(fig: Figure, title: str, subtitle: str, s: float) -> None:
    size = 17 if len(title) <= 55 else 14  # long titles get a smaller font, then an ellipsis
    fig.text(0.025, 0.935, textwrap.shorten(title, 75, placeholder="…"), ha="left", va="bottom",
             fontsize=size * s, fontweight="bold", color="#111111")
    lines = textwrap.wrap(subtitle, 150)[:3]
    fig.text(0.025, 0.928, "\n".join(lines), ha="left", va="top", fontsize=8.5 * s, color="#333333",
             linespacing=1.35)


def draw_footer(fig: Figure, data: MapData, s: float, page_label: str | None) -> None:
    fig.text(0.025, 0.058, data.data_line, ha="left", va="bottom", fontsize=7.5 * s, color="#333333")
    source = "\n".join(textwrap.wrap(data.source_line, 210)[:2])
    fig.text(0.025, 0.052, source, ha="left", va="top", fontsize=6.2 * s, color="#555555", linespacing=1.3)
    if page_label:
        fig.text(0.975, 0.058, page_label, ha="right", va="bottom", fontsize=7.5 * s, color="#333333")


def box_transform(fig: Figure, box: tuple[float, float, float, float]) -> Transform:
    """Coordinates 0..1 inside ``box`` (figure fractions): panels without the cost of an Axes."""
    return BboxTransformTo(TransformedBbox(Bbox.from_bounds(*box), fig.transFigure))


def draw_legend(fig: Figure, data: MapData, entries: list[dict[str, Any]], s: float) -> None:
    to = box_transform(fig, LEGEND_BOX)
    fig.add_artist(Rectangle((0, 0), 1, 1, transform=to, facecolor="white", edgecolor="#737373",
                             linewidth=0.8 * s))
    texts = data.texts
    legend = data.legend
    metric = "\n".join(textwrap.wrap(data.collection["metric"]["label"], 34)[:2])
    fig.text(0.06, 0.96, metric, transform=to, ha="left", va="top", fontsize=9.5 * s, fontweight="bold")
    scheme = texts.get(f"scheme_{legend['scheme']}", legend["scheme"])
    if legend["k"]:  # no classes at all when every area is zero or has no data
        fig.text(0.06, 0.835, texts["brief_classes"].format(scheme=scheme, k=legend["k"]), transform=to,
                 ha="left", va="top", fontsize=7.5 * s, color="#333333")
    fig.text(0.06, 0.785, texts["brief_counts_note"], transform=to, ha="left", va="top", fontsize=6.5 * s,
             color="#555555")
    top, bottom = 0.72, 0.04
    step = min(0.085, (top - bottom) / max(len(entries), 1))
    for i, entry in enumerate(entries):
        y = top - (i + 1) * step
        fig.add_artist(Rectangle((0.06, y + step * 0.12), 0.14, step * 0.72, transform=to,
                                 facecolor=entry["color"], edgecolor="#636363", linewidth=0.6 * s,
                                 hatch=entry["hatch"]))
        fig.text(0.25, y + step * 0.48, entry["label"], transform=to, ha="left", va="center", fontsize=8 * s)
        fig.text(0.94, y + step * 0.48, f"({entry['count']})", transform=to, ha="right", va="center",
                 fontsize=8 * s, color="#333333")


def draw_north_arrow(fig: Figure, texts: dict[str, str], s: float) -> None:
    """Grid north of EPSG:32751, within a fraction of a degree of true north over Sulawesi."""
    to = box_transform(fig, NORTH_BOX)
    fig.add_artist(Polygon([(0.5, 0.78), (0.3, 0.08), (0.5, 0.24)], closed=True, transform=to,
                           facecolor="black", edgecolor="black", linewidth=0.8 * s))
    fig.add_artist(Polygon([(0.5, 0.78), (0.7, 0.08), (0.5, 0.24)], closed=True, transform=to,
                           facecolor="white", edgecolor="black", linewidth=0.8 * s))
    fig.text(0.5, 0.84, texts["brief_north"], transform=to, ha="center", va="bottom", fontsize=13 * s,
             fontweight="bold")


def label_areas(ax: Axes, frame: gpd.GeoDataFrame, s: float, size: float) -> None:
    halo = [patheffects.withStroke(linewidth=2.2 * s, foreground="white")]
    points = frame.geometry.representative_point()
    for name, point in zip(frame["nama"], points, strict=True):
        ax.text(point.x, point.y, name, ha="center", va="center", fontsize=size * s, color="#111111",
                path_effects=halo, clip_on=True)


def plot_areas(ax: Axes, frame: gpd.GeoDataFrame, s: float) -> None:
    if frame.empty:
        return
    has_data = frame[frame["class"].notna()]
    no_data = frame[frame["class"].isna()]
    if not has_data.empty:
        has_data.plot(ax=ax, color=has_data["color"].tolist(), edgecolor="#969696", linewidth=0.35 * s)
    if not no_data.empty:
        no_data.plot(ax=ax, facecolor=no_data["color"].tolist(), edgecolor="#636363", linewidth=0.35 * s,
                     hatch=NO_DATA_HATCH)


def set_extent(ax: Axes, bounds: tuple[float, float, float, float], pad: float = 0.03) -> None:
    """Show ``bounds`` (plus a margin), widened to the map box's shape so 1 m is 1 m both ways."""
    minx, miny, maxx, maxy = bounds
    dx, dy = (maxx - minx) or 1000.0, (maxy - miny) or 1000.0
    minx, maxx, miny, maxy = minx - dx * pad, maxx + dx * pad, miny - dy * pad, maxy + dy * pad
    fig_w, fig_h = ax.figure.get_size_inches()  # type: ignore[union-attr]  # a Figure, never a SubFigure
    box_ratio = (MAP_BOX[2] * fig_w) / (MAP_BOX[3] * fig_h)
    width, height = maxx - minx, maxy - miny
    if width / height < box_ratio:
        grow = (height * box_ratio - width) / 2
        minx, maxx = minx - grow, maxx + grow
    else:
        grow = (width / box_ratio - height) / 2
        miny, maxy = miny - grow, maxy + grow
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")


def map_axes(fig: Figure, s: float) -> Axes:
    ax = fig.add_axes(MAP_BOX)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#eef3f7")
    for spine in ax.spines.values():
        spine.set_edgecolor("#737373")
        spine.set_linewidth(0.8 * s)
    return ax


def scale_bar(ax: Axes, s: float) -> None:
    ax.add_artist(ScaleBar(1, "m", location="lower left", length_fraction=0.25, box_alpha=0.85,
                           border_pad=0.6, font_properties={"size": 7.5 * s}, width_fraction=0.008))
