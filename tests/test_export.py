"""Exports: RFC 7946 GeoJSON, GeoPackage/KML/GPX read back by GDAL, CSV rosters, roles, audit."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pyogrio
import pytest
from click.testing import CliRunner
from shapely.geometry import LinearRing
from sqlalchemy import text

from pks_geo.cli import main
from pks_geo.web import create_app
from tests.security_setup import (
    DESC,
    add_election,
    add_incident,
    add_tps,
    boundary_engine,
    inside,
    offset,
    token_for,
    write_security_dir,
)

DESA = ["74.05.03.2001", "74.05.03.2004", "74.05.03.1018", "74.05.11.2017"]
KATEGORI = ["bentrok", "unjuk_rasa", "politik_uang"]
SECRET = DESC.encode()


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths, tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    tps = []
    with engine.begin() as conn:
        add_election(conn, "pilgub-e", date(2018, 6, 27), "pilgub")
        add_election(conn, "pilkada-e", date(2024, 11, 27))
        add_election(conn, "pilkada-2031", date(2031, 1, 1))  # no TPS: never the default
        for n, desa in enumerate(DESA):
            where = inside(conn, desa)
            for no in (1, 2, 3):
                tps.append(add_tps(conn, "pilkada-e", desa, no, offset(conn, *where, 300 * no),
                                   kategori="rawan" if no == 3 else None))
            for k in range(4):
                add_incident(conn, f"E{n}-{k}", date(2024, 3 + k, 10), KATEGORI[k % 3], where, desa,
                             luka=k, election="pilkada-e")
        post = inside(conn, DESA[0])
    folder = write_security_dir(tmp_path_factory.mktemp("security"), [
        ("polres-uji", "polres", "Polres Uji", "", *post), ("polsek-a", "polsek", "Polsek A", "a", *post),
        ("polsek-b", "polsek", "Polsek B", "b", *inside_engine(engine, DESA[3]))])
    url = engine.url.render_as_string(hide_password=False)
    app = create_app({"DATABASE_URL": url, "TESTING": True, "SECURITY_DATA_DIR": str(folder)})
    return SimpleNamespace(engine=engine, url=url, app=app, client=app.test_client(), tps=tps, folder=folder,
                           viewer=token_for(engine, "pengamat-ekspor", "viewer"),
                           analyst=token_for(engine, "analis-ekspor", "analyst"))


def inside_engine(engine, desa):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return inside(conn, desa)


# --- an RFC 7946 checker -------------------------------------------------------------------

def _positions(geometry: dict[str, Any]) -> list[list[float]]:
    coords = geometry["coordinates"]
    depth = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2,
             "MultiPolygon": 3}[geometry["type"]]
    items = [coords]
    for _ in range(depth):
        items = [inner for outer in items for inner in outer]
    return items


def _rings(geometry: dict[str, Any]) -> list[tuple[list, bool]]:
    polygons = {"Polygon": [geometry["coordinates"]], "MultiPolygon": geometry["coordinates"]}.get(
        geometry["type"], [])
    return [(ring, index == 0) for polygon in polygons for index, ring in enumerate(polygon)]


def check_rfc7946(collection: dict[str, Any]) -> None:
    """FeatureCollection of Features; WGS 84 [lon, lat] positions; no crs; closed rings with
    counter-clockwise exteriors and clockwise holes (RFC 7946 sections 3, 3.1.6, 4)."""
    assert collection["type"] == "FeatureCollection" and isinstance(collection["features"], list)
    assert "crs" not in collection
    for feature in collection["features"]:
        assert feature["type"] == "Feature" and "properties" in feature and "crs" not in feature
        geometry = feature["geometry"]
        if geometry is None:
            continue
        for position in _positions(geometry):
            assert len(position) in (2, 3)
            assert -180 <= position[0] <= 180 and -90 <= position[1] <= 90
        if geometry["type"] == "LineString":
            assert len(geometry["coordinates"]) >= 2
        for ring, exterior in _rings(geometry):
            assert len(ring) >= 4 and ring[0] == ring[-1]
            assert LinearRing(ring).is_ccw == exterior


def _get(world, path: str, who: str | None = "analyst"):  # type: ignore[no-untyped-def]
    headers = getattr(world, who) if who else {}
    return world.client.get(path, headers=headers)


DATASETS = [("tps", "viewer", 12), ("patrol-plan", "viewer", None), ("choropleth", "viewer", 25),
            ("hotspots", "viewer", 25), ("incidents", "analyst", 16)]


@pytest.mark.parametrize(("dataset", "who", "count"), DATASETS)
def test_geojson_exports_are_rfc7946_and_describe_themselves(world, dataset, who, count) -> None:
    query = "permutations=99" if dataset == "hotspots" else ""
    response = _get(world, f"/api/v1/export/{dataset}.geojson?{query}", who)
    assert response.status_code == 200, response.data[:300]
    assert response.is_streamed and response.mimetype == "application/geo+json"
    assert response.headers["X-Classification"] == "TERBATAS"
    assert response.headers["Content-Disposition"].startswith(f'attachment; filename="pks-geo-{dataset}')
    body = json.loads(response.data)
    check_rfc7946(body)
    meta = body["metadata"]
    assert meta["marking"] == "TERBATAS" and meta["dataset"] == dataset and meta["format"] == "geojson"
    assert meta["generated_by"] == f"{'analis' if who == 'analyst' else 'pengamat'}-ekspor"
    assert meta["generated_at"] and meta["sources"] and "filters" in meta
    if count is not None:
        assert len(body["features"]) == count
    if dataset == "tps":
        assert meta["election"] == "pilkada-e"  # the latest election that has TPS
        assert sorted(f["properties"]["kode_tps"] for f in body["features"]) == sorted(world.tps)


def _layers(path: Path) -> dict[str, Any]:
    return {name: pyogrio.read_dataframe(path, layer=name) for name, _ in pyogrio.list_layers(path)}


@pytest.mark.parametrize(("dataset", "who", "key"), [
    ("tps", "viewer", "kode_tps"), ("incidents", "analyst", "id"), ("choropleth", "viewer", "kode"),
    ("patrol-plan", "viewer", "sector")])
def test_gpkg_and_kml_read_back_with_the_same_features(world, tmp_path, dataset, who, key) -> None:
    reference = json.loads(_get(world, f"/api/v1/export/{dataset}.geojson", who).data)
    expected = sorted(str(f["properties"][key]) for f in reference["features"]
                      if f["properties"].get("feature_type", "sector") == "sector")
    for fmt in ("gpkg", "kml"):
        response = _get(world, f"/api/v1/export/{dataset}.{fmt}", who)
        assert response.status_code == 200
        path = tmp_path / f"out.{fmt}"
        path.write_bytes(response.data)
        layers = _layers(path)
        first = layers["sectors"] if dataset == "patrol-plan" else next(iter(layers.values()))
        column = "incident_id" if fmt == "kml" and key == "id" else key  # LIBKML keeps "id" for itself
        assert sorted(str(v) for v in first[column]) == expected
        if dataset == "patrol-plan":
            stops = [f for f in reference["features"] if f["properties"].get("kind") == "tps"]
            tps_stops = layers["stops"][layers["stops"]["kind"] == "tps"]
            assert sorted(tps_stops["kode_tps"]) == sorted(f["properties"]["kode_tps"] for f in stops)
            assert len(layers["routes"]) == len(expected)
        if fmt == "gpkg":
            info = pyogrio.read_info(path, layer=next(iter(layers)))
            assert info["layer_metadata"]["marking"] == "TERBATAS"
            assert json.loads(info["layer_metadata"]["filters"])["level"] == "kecamatan"
        else:
            head = path.read_text(encoding="utf-8")[:600]
            assert "<name>[TERBATAS]" in head and "generated_by:" in head


def test_gpx_waypoints_and_patrol_routes(world, tmp_path) -> None:
    path = tmp_path / "tps.gpx"
    path.write_bytes(_get(world, "/api/v1/export/tps.gpx", "viewer").data)
    waypoints = pyogrio.read_dataframe(path, layer="waypoints")
    assert len(waypoints) == 12 and all(name.startswith("TPS ") for name in waypoints["name"])
    assert sorted(d.split()[-1] for d in waypoints["desc"]) == sorted(world.tps)
    # the 13-digit code reads back as the same text, not as a (truncated) number (issue 16)
    assert sorted(waypoints["cmt"]) == sorted(world.tps) and all(isinstance(v, str) for v in waypoints["cmt"])
    assert "kode_tps" not in waypoints.columns
    assert "<keywords>TERBATAS</keywords>" in path.read_text(encoding="utf-8")
    plan = json.loads(_get(world, "/api/v1/export/patrol-plan.geojson", "viewer").data)
    sectors = [f for f in plan["features"] if f["properties"]["feature_type"] == "sector"]
    path = tmp_path / "plan.gpx"
    path.write_bytes(_get(world, "/api/v1/export/patrol-plan.gpx", "viewer").data)
    routes = pyogrio.read_dataframe(path, layer="routes")
    points = pyogrio.read_dataframe(path, layer="route_points")
    assert len(routes) == len(sectors)
    # each route: the post, its TPS in order, the post again (routes return to the post)
    assert len(points) == sum(f["properties"]["n_tps"] + 2 for f in sectors)
    # a handheld lists routes by name: the name carries length and time (issue 19)
    expected = {f"{p['sector']} · {p['road_km_est']:.1f} km · {p['minutes_est']} menit".replace(".", ",")
                for p in (f["properties"] for f in sectors)}
    assert set(routes["name"]) == expected


def test_kml_flags_are_numbers_not_text(world, tmp_path) -> None:
    """LIBKML has no boolean type: flags are written as 0/1 integers, which GDAL reads back cleanly."""
    import warnings

    path = tmp_path / "plan.kml"
    path.write_bytes(_get(world, "/api/v1/export/patrol-plan.kml", "viewer").data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a GDAL warning on reading fails the test
        sectors = pyogrio.read_dataframe(path, layer="sectors")
    assert set(sectors["closed"]) == {1}
    assert str(sectors["closed"].dtype).startswith("int")


def _csv(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    lines = data.decode("utf-8").splitlines()
    comments = [line for line in lines if line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(line for line in lines if not line.startswith("#")))))
    return comments, rows


def test_csv_rosters_open_cleanly_with_the_metadata_beside_them(world) -> None:
    """Excel shows every line of a CSV as a row: the file is the header and the rows only (issue 19);
    the marking, filters and sources come as its companion metadata file."""
    response = _get(world, "/api/v1/export/tps.csv?election=pilkada-e", "viewer")
    first = response.data.decode("utf-8").splitlines()[0]
    assert first.split(",")[0] and not first.startswith("#") and "kode_tps" in first.split(",")
    comments, rows = _csv(response.data)
    assert comments == []
    link = response.headers["Link"]
    assert link == '</api/v1/export/tps.txt?election=pilkada-e>; rel="describedby"'
    meta = _get(world, link[1:link.index(">")], "viewer")
    assert meta.mimetype == "text/plain" and meta.headers["X-Classification"] == "TERBATAS"
    assert 'filename="pks-geo-tps-pilkada-e-' in meta.headers["Content-Disposition"]
    assert meta.headers["Content-Disposition"].endswith('.metadata.txt"')
    lines = meta.data.decode("utf-8").splitlines()
    assert lines[0] == "marking: TERBATAS" and any(line.startswith("filters: ") for line in lines)
    assert any(line.startswith("dataset: tps") for line in lines)
    assert sorted(r["kode_tps"] for r in rows) == sorted(world.tps)
    assert all(-5 < float(r["lat"]) < -3 and 121 < float(r["lon"]) < 124 for r in rows)
    assert json.loads(rows[0]["factors"])[0]["key"] == "incidents"
    comments, rows = _csv(_get(world, "/api/v1/export/incidents.csv?kategori=bentrok", "analyst").data)
    assert {r["kategori"] for r in rows} == {"bentrok"} and len(rows) == 8
    assert all(r["description"] == DESC for r in rows) and rows[0]["lon"]
    _, areas = _csv(_get(world, "/api/v1/export/choropleth.csv?level=desa", "viewer").data)
    assert len(areas) == 351 and all(r["lon"] and r["lat"] for r in areas)


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "gpx", "csv"])
def test_viewers_get_aggregates_only(world, fmt) -> None:
    assert _get(world, f"/api/v1/export/incidents.{fmt}", "viewer").status_code == 403
    assert _get(world, f"/api/v1/export/incidents.{fmt}", None).status_code == 401
    for dataset in ("tps", "patrol-plan"):  # operational detail: a logged-in user only
        assert _get(world, f"/api/v1/export/{dataset}.{fmt}", None).status_code == 401
    assert _get(world, f"/api/v1/export/choropleth.{fmt}", None).status_code == 200
    for dataset in ("tps", "patrol-plan", "choropleth"):
        response = _get(world, f"/api/v1/export/{dataset}.{fmt}", "viewer")
        assert response.status_code == 200
        assert SECRET not in response.data and b"Fulan" not in response.data
        if fmt in ("geojson", "csv"):  # (GeoPackage and KML have description slots of their own)
            assert b"description" not in response.data
    analyst = _get(world, f"/api/v1/export/incidents.{fmt}", "analyst")
    assert analyst.status_code == 200 and b"Fulan" in analyst.data


def test_every_export_is_audited_and_a_refused_one_is_not(world) -> None:
    def exports(actor: str) -> list[dict[str, Any]]:
        with world.engine.connect() as conn:
            rows = conn.execute(text("SELECT entity_id, after FROM audit_event WHERE action = 'export' "
                                     "AND actor = :a ORDER BY id"), {"a": actor})
            return [dict(r._mapping) for r in rows]

    before = len(exports("analis-ekspor"))
    assert _get(world, "/api/v1/export/incidents.csv?kategori=unjuk_rasa", "analyst").status_code == 200
    logged = exports("analis-ekspor")[before:]
    assert [e["entity_id"] for e in logged] == ["incidents.csv"]
    assert logged[0]["after"]["filters"]["kategori"] == ["unjuk_rasa"]
    assert logged[0]["after"]["role"] == "analyst"
    refused = [e for e in exports("pengamat-ekspor") if e["entity_id"].startswith("incidents.")]
    assert _get(world, "/api/v1/export/incidents.csv", "viewer").status_code == 403
    assert [e for e in exports("pengamat-ekspor") if e["entity_id"].startswith("incidents.")] == refused == []


@pytest.mark.parametrize(("path", "parameter"), [
    ("/api/v1/export/nothing.geojson", "dataset"), ("/api/v1/export/tps.shp", "format"),
    ("/api/v1/export/incidents.geojson?kategori=nope", "kategori"),
    ("/api/v1/export/tps.geojson?bogus=1", "bogus"), ("/api/v1/export/tps.geojson?election=x", "election"),
    ("/api/v1/export/choropleth.geojson?metric=nope", "metric"),
    ("/api/v1/export/patrol-plan.geojson?max_tps=0", "max_tps"),
])
def test_bad_requests_name_the_parameter(world, path, parameter) -> None:
    response = _get(world, path)
    assert response.status_code == 400 and response.get_json()["parameter"] == parameter


def test_filters_and_the_marking_setting(world) -> None:
    body = json.loads(_get(world, "/api/v1/export/tps.geojson?within=74.05.11").data)
    assert {f["properties"]["desa_kode"] for f in body["features"]} == {"74.05.11.2017"}
    assert body["metadata"]["filters"]["within"] == "74.05.11"
    app = create_app({"DATABASE_URL": world.url, "TESTING": True, "SECURITY_DATA_DIR": str(world.folder),
                      "EXPORT_MARKING": "RAHASIA"})
    response = app.test_client().get("/api/v1/export/choropleth.geojson")
    assert response.headers["X-Classification"] == "RAHASIA"
    assert json.loads(response.data)["metadata"]["marking"] == "RAHASIA"


def test_cli_export_writes_files_and_respects_the_role(world, tmp_path) -> None:
    env = {"PKS_GEO_DATABASE_URL": world.url}
    runner = CliRunner()
    out = tmp_path / "tps.gpkg"
    result = runner.invoke(main, ["export", "tps", "-o", str(out), "--election", "pilkada-e"], env=env)
    assert result.exit_code == 0, result.output
    assert len(pyogrio.read_dataframe(out)) == 12 and "TERBATAS" in result.output
    out = tmp_path / "bentrok.csv"
    result = runner.invoke(main, ["export", "incidents", "--format", "csv", "-o", str(out), "--kategori",
                                  "bentrok", "--marking", ""], env=env)
    assert result.exit_code == 0, result.output
    _, rows = _csv(out.read_bytes())
    assert len(rows) == 8 and "marking" not in out.read_text()
    target = str(tmp_path / "x.geojson")
    refused = runner.invoke(main, ["export", "incidents", "-o", target, "--role", "viewer"], env=env)
    assert refused.exit_code == 1 and "analyst" in refused.output
    assert not (tmp_path / "x.geojson").exists()
    bad = runner.invoke(main, ["export", "tps", "-o", target, "--param", "max_tps"], env=env)
    assert bad.exit_code == 2 and "KEY=VALUE" in bad.output


def test_csv_names_one_charset_and_gpkg_is_version_1_2(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import shutil
    import sqlite3
    import subprocess

    response = _get(world, "/api/v1/export/tps.csv", "viewer")
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    path = tmp_path / "tps.gpkg"
    path.write_bytes(_get(world, "/api/v1/export/tps.gpkg", "viewer").data)
    with sqlite3.connect(path) as db:  # GeoPackage 1.2.x: user_version 102xx, application_id 'GPKG'
        assert 10200 <= db.execute("PRAGMA user_version").fetchone()[0] < 10300
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    if shutil.which("ogrinfo"):  # GDAL 3.6 (QGIS 3.22's generation) reads it without a warning
        info = subprocess.run(["ogrinfo", "-ro", "-so", "-al", str(path)], capture_output=True, text=True)
        assert info.returncode == 0 and "Warning" not in info.stderr and "version" not in info.stderr.lower()


def test_kml_carries_the_map_colours(world, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import xml.etree.ElementTree as ET

    from pks_geo.export.kml_style import kml_color

    ns = {"k": "http://www.opengis.net/kml/2.2"}
    root = ET.fromstring(_get(world, "/api/v1/export/choropleth.kml?level=desa", "viewer").data)
    styles = {s.get("id"): s.findtext("k:PolyStyle/k:color", None, ns)
              for s in root.iter(f"{{{ns['k']}}}Style")}
    choropleth = json.loads(_get(world, "/api/v1/choropleth?level=desa", "viewer").data)
    legend = choropleth["legend"]
    placemarks = list(root.iter(f"{{{ns['k']}}}Placemark"))
    assert len(placemarks) == 351 and len(styles) >= 2
    for placemark in placemarks:
        data = {d.get("name"): d.text for d in placemark.iter(f"{{{ns['k']}}}SimpleData")}
        cls = data.get("class")
        colour = legend["no_data"]["color"] if cls in (None, "") else legend["colors"][int(cls)]
        style_id = placemark.findtext("k:styleUrl", "", ns).lstrip("#")
        assert styles[style_id] == kml_color(colour, "b3"), data.get("kode")
    hot = ET.fromstring(_get(world, "/api/v1/export/hotspots.kml?level=kecamatan&permutations=99",
                             "viewer").data)
    assert all(p.find("k:styleUrl", ns) is not None for p in hot.iter(f"{{{ns['k']}}}Placemark"))


TEXT_CASES = [("tps", "viewer", ""), ("incidents", "analyst", ""), ("choropleth", "viewer", "level=desa"),
              ("hotspots", "viewer", "permutations=99"), ("patrol-plan", "viewer", "")]


@pytest.mark.parametrize(("dataset", "who", "query"), TEXT_CASES)
def test_text_fields_stay_text_in_kml_and_gpx(world, tmp_path, dataset, who, query) -> None:
    """GDAL/QGIS guess a GPX extension's type from its values: every property that is text in the
    GeoJSON export must read back from KML and GPX as the same text (7405031018001 never becomes
    2147483647). KML declares its fields' types in a <Schema>; GPX has none."""
    reference = json.loads(_get(world, f"/api/v1/export/{dataset}.geojson?{query}", who).data)
    texts: dict[str, set[str]] = {}
    for feature in reference["features"]:
        for key, value in feature["properties"].items():
            if isinstance(value, str):
                texts.setdefault(key, set()).add(value)
    assert texts
    for fmt in ("kml", "gpx"):
        path = tmp_path / f"out.{fmt}"
        response = _get(world, f"/api/v1/export/{dataset}.{fmt}?{query}", who)
        assert response.status_code == 200, response.data[:300]
        path.write_bytes(response.data)
        checked = 0
        for name, frame in _layers(path).items():
            for key in texts:
                column = f"ogr_{key}" if fmt == "gpx" else key  # GDAL names GPX extensions ogr_*
                if column not in frame.columns:
                    continue
                read = [v for v in frame[column] if v is not None and v == v]
                assert all(isinstance(v, str) for v in read), (fmt, name, key, frame[column].dtype, read[:3])
                checked += 1
        assert checked, (fmt, sorted(texts))


def test_gpx_numeric_looking_text_is_written_as_text(tmp_path) -> None:
    """Any text field whose every value looks like a number (TPS ``001``, a Polsek coded ``12``,
    a kabupaten ``74.05``, hexadecimal ``0x1A``) leaves the typed-by-guess extensions and is read
    back, unchanged, from ``<desc>``; a text field with some words stays an extension."""
    from pks_geo.export.gpx import write_gpx
    from pks_geo.export.model import DatasetExport, Layer

    point = '{"type":"Point","coordinates":[122.3,-4.3]}'
    rows = [("001", "12", "74.05", "0x1A", "Potoro", "7405031018001", 3, point),
            ("002", "7", "74.06", "0x1B", "12", "7405031018002", 4, point)]
    fields = [("nomor", "str"), ("polsek", "str"), ("kab", "str"), ("hex", "str"), ("desa", "str"),
              ("kode_tps", "str"), ("dpt", "int")]
    layer = Layer("tps", "Point", fields, lambda: iter([rows]), label_field="desa")
    path = tmp_path / "angka.gpx"
    export = DatasetExport("tps", "uji", [layer], roster="tps")
    write_gpx(export, {"generated_at": "2026-01-01T00:00:00Z"}, path)
    points = pyogrio.read_dataframe(path, layer="waypoints")
    assert list(points["cmt"]) == ["7405031018001", "7405031018002"]
    assert list(points["ogr_desa"]) == ["Potoro", "12"] and list(points["ogr_dpt"]) == [3, 4]
    assert not {"ogr_nomor", "ogr_polsek", "ogr_kab", "ogr_hex"} & set(points.columns)
    assert points["desc"][0].splitlines() == ["kode_tps 7405031018001", "nomor: 001", "polsek: 12",
                                              "kab: 74.05", "hex: 0x1A"]
