"""Read the public Kepmendagri-coded boundary dataset in its upstream layout.

The dataset (cahyadsn/wilayah_boundaries, MIT) is a set of MySQL dumps:
``db/kab/wilayah_boundaries_kab_<prov>.sql``, ``db/kec/wilayah_boundaries_kec_<prov>.sql`` and
``db/kel/<prov>/wilayah_boundaries_kel_<kab>.sql``, each made of
``INSERT INTO wilayah_boundaries(kode,nama,lat,lng,path) VALUES (...)`` tuples whose
``path`` is JSON of **[lat, lng]** pairs (latitude first, the opposite of GeoJSON):
depth 3 is a Polygon, depth 4 a MultiPolygon. Reading it ourselves lets pks-geo serve any
kabupaten in Indonesia from one public source, online or from an offline mirror.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import geopandas as gpd
from shapely.geometry import shape

from pks_geo.ingest.codes import jenis_of, level_of, normalize_kode, parent_of
from pks_geo.ingest.report import ImportFailed

DEFAULT_SOURCE = "https://raw.githubusercontent.com/cahyadsn/wilayah_boundaries/main/"
TUPLE = re.compile(
    r"\(\s*'(?P<kode>[0-9.]+)'\s*,\s*'(?P<nama>(?:[^']|'')*)'\s*,\s*(?P<lat>[-0-9.eE]+|NULL)\s*,"
    r"\s*(?P<lng>[-0-9.eE]+|NULL)\s*,\s*'(?P<path>[^']*)'\s*\)"
)


def _depth(value: object) -> int:
    depth = 0
    while isinstance(value, list) and value:
        value, depth = value[0], depth + 1
    return depth


def _swap(ring: list[list[float]]) -> list[list[float]]:
    return [[pt[1], pt[0]] for pt in ring]


def path_to_geometry(path_json: str) -> dict[str, object] | None:
    """Convert a ``path`` value ([lat, lng] nesting) to a GeoJSON geometry dict."""
    if not path_json.strip():
        return None
    nested = json.loads(path_json)
    depth = _depth(nested)
    if depth == 3:
        return {"type": "Polygon", "coordinates": [_swap(r) for r in nested]}
    if depth == 4:
        return {"type": "MultiPolygon", "coordinates": [[_swap(r) for r in p] for p in nested]}
    raise ValueError(f"unexpected nesting depth {depth} in path")


def parse_dump(text_: str, label: str) -> Iterator[tuple[str, str, dict[str, object] | None]]:
    """Yield (kode, nama, geometry) per tuple; the tuple count is checked against VALUES rows."""
    expected = len(re.findall(r"^\s*\('", text_, flags=re.MULTILINE))
    count = 0
    for match in TUPLE.finditer(text_):
        count += 1
        try:
            geom = path_to_geometry(match["path"])
        except (ValueError, json.JSONDecodeError) as exc:
            raise ImportFailed(f"{label}: code {match['kode']}: bad path ({exc})") from exc
        yield match["kode"], match["nama"].replace("''", "'"), geom
    if count != expected:
        raise ImportFailed(f"{label}: parsed {count} tuples but the file has {expected}; "
                           "the file may be truncated or in an unexpected layout")


class WilayahSource:
    """A directory mirror or a base URL of the upstream repository."""

    def __init__(self, location: str) -> None:
        self.location = location
        self.is_url = location.startswith(("http://", "https://"))
        if not self.is_url:
            base = Path(location)
            # accept the folder holding db/ or db/ itself
            self.root = base / "db" if (base / "db").is_dir() else base
            if not (self.root / "kec").is_dir():
                raise ImportFailed(f"{location}: not a wilayah_boundaries mirror "
                                   "(expected db/kab, db/kec and db/kel folders)")

    def read(self, relative: str) -> str | None:
        """Return a file's text, or None when it does not exist."""
        if self.is_url:
            url = self.location.rstrip("/") + "/db/" + relative
            try:
                with urllib.request.urlopen(url, timeout=60) as resp:  # noqa: S310 - fixed scheme
                    return resp.read().decode("utf-8")
            except urllib.error.HTTPError as exc:
                if exc.code == 404:
                    return None
                raise ImportFailed(f"{url}: HTTP {exc.code}") from exc
            except urllib.error.URLError as exc:
                raise ImportFailed(f"{url}: cannot be reached ({exc.reason}); use --source "
                                   "with a local mirror of the dataset") from exc
        path = self.root / relative
        return path.read_text(encoding="utf-8") if path.exists() else None


def fetch_region(kode: str, source: WilayahSource) -> gpd.GeoDataFrame:
    """Boundaries of a province (``74``) or kabupaten (``74.05``) and everything below it."""
    norm = normalize_kode(kode)
    if norm is None or level_of(norm) not in ("provinsi", "kabupaten"):
        raise ImportFailed(f"KODE {kode!r} must be a province (74) or kabupaten/kota (74.05) code")
    prov = norm[:2]
    records: list[dict[str, object]] = []

    def take(relative: str, want_level: str, required: bool = True) -> None:
        text_ = source.read(relative)
        if text_ is None:
            if not required:
                return
            raise ImportFailed(f"{source.location}: db/{relative} not found")
        for area_kode, nama, geom in parse_dump(text_, relative):
            if level_of(area_kode) != want_level or geom is None:
                continue
            if area_kode != norm and not area_kode.startswith(norm + "."):
                continue
            records.append({"kode": area_kode, "nama": nama, "level": want_level,
                            "parent_kode": parent_of(area_kode), "jenis": jenis_of(area_kode),
                            "geometry": shape(geom)})

    take(f"kab/wilayah_boundaries_kab_{prov}.sql", "kabupaten")
    take(f"kec/wilayah_boundaries_kec_{prov}.sql", "kecamatan")
    kabupaten = [str(r["kode"]) for r in records if r["level"] == "kabupaten"]
    for kab in sorted(kabupaten):
        take(f"kel/{prov}/wilayah_boundaries_kel_{kab}.sql", "desa", required=False)
    if not records:
        raise ImportFailed(f"no boundaries for {norm} in {source.location}")
    return gpd.GeoDataFrame(records, geometry="geometry", crs=4326)
