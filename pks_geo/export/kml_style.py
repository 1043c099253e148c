"""Colours for KML exports, the same as the map's.

GDAL's LIBKML driver writes the features and their attributes but no ``<Style>``, so a
choropleth opened in Google Earth or QGIS is one grey. After GDAL has written the file, this
module adds one shared ``<Style>`` per colour to the document and a ``<styleUrl>`` to each
placemark: the feature's own ``color`` (choropleth classes), the map's Gi* or LISA colours
(hot spots), or the map's incident red for incident points.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

KML = "http://www.opengis.net/kml/2.2"
NS = {"kml": KML}
GI_COLORS = {"3": "#b2182b", "2": "#ef8a62", "1": "#fddbc7", "0": "#f7f7f7",
             "-1": "#d1e5f0", "-2": "#67a9cf", "-3": "#2166ac"}
"""As ``GI_COLORS`` in web/static/js/analysis_layers.js (ColorBrewer RdBu)."""
LISA_COLORS = {"HH": "#b2182b", "HL": "#ef8a62", "LH": "#67a9cf", "LL": "#2166ac", "ns": "#f7f7f7"}
INCIDENT_COLOR = "#b2182b"
FILL_ALPHA = "b3"  # 70 % opaque, as the map's fillOpacity
OUTLINE = "ff666666"


def kml_color(hex_color: str, alpha: str = "ff") -> str:
    """``#rrggbb`` -> KML's ``aabbggrr``."""
    rgb = hex_color.lstrip("#").lower()
    return f"{alpha}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def _q(tag: str) -> str:
    return f"{{{KML}}}{tag}"


def _colour(data: dict[str, str], layer: str) -> str | None:
    if data.get("color", "").startswith("#"):
        return data["color"]
    if data.get("gi_bin") in GI_COLORS:
        return GI_COLORS[data["gi_bin"]]
    if data.get("lisa_cluster") in LISA_COLORS:
        return LISA_COLORS[data["lisa_cluster"]]
    if layer.startswith("incidents"):
        return INCIDENT_COLOR
    return None


def _style(colour: str) -> ET.Element:
    style = ET.Element(_q("Style"), id="c" + colour.lstrip("#").lower())
    line = ET.SubElement(style, _q("LineStyle"))
    ET.SubElement(line, _q("color")).text = OUTLINE
    ET.SubElement(line, _q("width")).text = "0.5"
    poly = ET.SubElement(style, _q("PolyStyle"))
    ET.SubElement(poly, _q("color")).text = kml_color(colour, FILL_ALPHA)
    icon = ET.SubElement(style, _q("IconStyle"))
    ET.SubElement(icon, _q("color")).text = kml_color(colour)
    return style


def add_styles(path: Path) -> int:
    """Style the placemarks of the KML file at ``path`` in place; returns how many."""
    ET.register_namespace("", KML)
    tree = ET.parse(path)
    document = tree.getroot().find("kml:Document", NS)
    if document is None:
        return 0
    colours: dict[str, None] = {}
    styled = 0
    # LIBKML writes a Document per layer inside the root Document
    containers = [*document.iter(_q("Document")), *document.iter(_q("Folder"))]
    for folder in containers:
        name = folder.findtext("kml:name", "", NS)
        for placemark in folder.findall("kml:Placemark", NS):
            data = {item.get("name", ""): item.text or ""
                    for item in placemark.iter(_q("SimpleData"))}
            colour = _colour(data, name)
            if colour is None:
                continue
            colours[colour] = None
            url = ET.Element(_q("styleUrl"))
            url.text = "#c" + colour.lstrip("#").lower()
            children = list(placemark)
            position = sum(1 for child in children if child.tag in (_q("name"), _q("description")))
            placemark.insert(position, url)
            styled += 1
    if colours:
        children = list(document)
        position = next((i for i, child in enumerate(children)
                         if child.tag in (_q("Schema"), _q("Folder"), _q("Placemark"))), len(children))
        for offset, colour in enumerate(colours):
            document.insert(position + offset, _style(colour))
        tree.write(path, encoding="utf-8", xml_declaration=True)
    return styled
