"""``/api/v1/areas`` is RFC 7946 GeoJSON; ``/healthz`` reports the database state."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import shape

from pks_geo.web import create_app


def _rings(geometry: dict) -> list[tuple[str, list[list[float]]]]:
    polygons = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    out = []
    for polygon in polygons:
        out.append(("exterior", polygon[0]))
        out.extend(("hole", ring) for ring in polygon[1:])
    return out


@pytest.mark.parametrize("level,expected", [("kecamatan", 25), ("desa", 351), ("kabupaten", 1)])
def test_areas_is_rfc7946(client, level: str, expected: int) -> None:
    response = client.get(f"/api/v1/areas?level={level}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    body = json.loads(response.data)
    assert body["type"] == "FeatureCollection"
    assert "crs" not in body
    assert len(body["features"]) == expected
    for feature in body["features"]:
        props = feature["properties"]
        assert feature["type"] == "Feature" and feature["id"] == props["kode"]
        assert props["level"] == level
        assert set(props) == {"kode", "nama", "level", "parent_kode", "jenis", "area_km2"}
        assert props["area_km2"] > 0
        for role, ring in _rings(feature["geometry"]):
            assert ring[0] == ring[-1], f"{props['kode']}: ring not closed"
            assert len(ring) >= 4
            for lon, lat in ring:  # [lon, lat] order, inside Konawe Selatan
                assert 121.8 < lon < 123.0 and -4.6 < lat < -3.9
            ccw = shapely.LinearRing(ring).is_ccw
            assert ccw if role == "exterior" else not ccw, f"{props['kode']}: {role} winding"
        assert shape(feature["geometry"]).is_valid


def test_areas_properties_and_within_filter(client) -> None:
    body = client.get("/api/v1/areas?level=desa&within=74.05.18").get_json()
    kodes = sorted(f["properties"]["kode"] for f in body["features"])
    assert len(kodes) == 7 and all(k.startswith("74.05.18.") for k in kodes)
    andoolo = client.get("/api/v1/areas?level=desa&within=7405030").get_json()
    assert andoolo == {"error": "within must be a Kemendagri code like 74.05", "parameter": "within"}
    kel = [f for f in client.get("/api/v1/areas?level=desa").get_json()["features"]
           if f["properties"]["jenis"] == "kelurahan"]
    assert len(kel) == 15


def test_bad_level_is_400_naming_the_parameter(client) -> None:
    response = client.get("/api/v1/areas?level=provinsi'; DROP TABLE admin_area;--")
    assert response.status_code == 400
    assert response.get_json()["parameter"] == "level"
    assert client.get("/api/v1/areas?level=kecamatan").status_code == 200


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["postgis"].startswith("3.")


def test_healthz_503_when_database_down() -> None:
    app = create_app({"DATABASE_URL": "postgresql+psycopg://nobody:x@127.0.0.1:9/none",
                      "TESTING": True})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["database"] == "unreachable" and "127.0.0.1:9" in body["detail"]


def test_vendor_assets_are_served_and_unknown_packages_are_not(client) -> None:
    js = client.get("/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and b"Leaflet" in js.data[:2000]
    assert client.get("/vendor/leaflet/leaflet.css").status_code == 200
    assert client.get("/vendor/../pyproject.toml").status_code == 404
    assert client.get("/vendor/evil/x.js").status_code == 404


def _features(client, query: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/areas?{query}")
    assert response.status_code == 200, response.data[:300]
    return {f["properties"]["kode"]: shape(f["geometry"]) for f in json.loads(response.data)["features"]}


def test_kecamatan_outline_from_their_desa_never_cuts_a_desa(client) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: the source kecamatan outline (a coarser dataset) cuts straight through desa;
    the union of each kecamatan's desa does not. Measured with shapely on the API's own output."""
    desa = _features(client, "level=desa")
    dissolved = _features(client, "level=kecamatan&outline=desa")
    source = _features(client, "level=kecamatan")
    assert sorted(dissolved) == sorted(source) and len(dissolved) == 25
    assert all(g.is_valid and g.geom_type in ("Polygon", "MultiPolygon") for g in dissolved.values())

    def cut(outlines: dict[str, object]) -> list[str]:
        """Desa with more than 1 % of their area in another kecamatan's outline."""
        return [kode for kode, geom in desa.items()
                if sum(geom.intersection(other).area for k, other in outlines.items() if k != kode[:8])
                > 0.01 * geom.area]

    assert len(cut(source)) > 5  # the problem is real in this data
    assert cut(dissolved) == []
    for kode, geom in desa.items():  # every desa lies inside its own kecamatan's outline
        assert geom.difference(dissolved[kode[:8]]).area < 0.01 * geom.area, kode  # sharp 30 m spikes may go


def test_unknown_outline_is_a_400(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/areas?level=kecamatan&outline=bps")
    assert response.status_code == 400 and response.get_json()["parameter"] == "outline"
