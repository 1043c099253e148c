"""A small SVG picture of a view's choropleth for the Briefing page's cards.

A card needs a thumbnail that loads quickly on a phone; rendering the print PNG (matplotlib,
A4 at 150 dpi, a second or more) for every card would be slow and heavy. The preview draws
the same classified areas and colours as the print, simplified to the picture's pixel size,
as a few kilobytes of SVG: no text, so nothing to escape and no language.
"""

from __future__ import annotations

import math

import orjson
from shapely.geometry import shape

WIDTH, HEIGHT, MARGIN = 320, 200, 6


def _path(geom, project) -> str:  # type: ignore[no-untyped-def]
    polygons = getattr(geom, "geoms", [geom])
    out = []
    for polygon in polygons:
        for ring in (polygon.exterior, *polygon.interiors):
            points = [project(x, y) for x, y in ring.coords]
            if len(points) < 3:
                continue
            out.append("M" + "L".join(f"{px:.1f} {py:.1f}" for px, py in points) + "Z")
    return "".join(out)


def preview_svg(features: list[tuple[bytes | str, str]]) -> str:
    """SVG of ``(GeoJSON geometry text, fill colour)`` pairs fitted into 320 × 200 pixels."""
    shapes = [(shape(orjson.loads(g)), color) for g, color in features]
    shapes = [(s, c) for s, c in shapes if not s.is_empty]
    head = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" ' \
           f'height="{HEIGHT}">'
    if not shapes:
        return head + '<rect width="100%" height="100%" fill="#eef2f5"/></svg>'
    west = min(s.bounds[0] for s, _ in shapes)
    south = min(s.bounds[1] for s, _ in shapes)
    east = max(s.bounds[2] for s, _ in shapes)
    north = max(s.bounds[3] for s, _ in shapes)
    kx = math.cos(math.radians((south + north) / 2))  # equirectangular, true scale mid-map
    span_x, span_y = max((east - west) * kx, 1e-9), max(north - south, 1e-9)
    scale = min((WIDTH - 2 * MARGIN) / span_x, (HEIGHT - 2 * MARGIN) / span_y)
    off_x = (WIDTH - span_x * scale) / 2
    off_y = (HEIGHT - span_y * scale) / 2

    def project(x: float, y: float) -> tuple[float, float]:
        return off_x + (x - west) * kx * scale, off_y + (north - y) * scale

    tolerance = 0.7 / scale  # under a pixel
    body = [f'<path d="{_path(s.simplify(tolerance), project)}" fill="{c}" stroke="#555" '
            f'stroke-width="0.4"/>' for s, c in shapes]
    return head + '<rect width="100%" height="100%" fill="#eef2f5"/>' + "".join(body) + "</svg>"
