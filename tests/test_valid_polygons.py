"""Every polygon any endpoint sends is valid (OGC simple features, as shapely/GEOS checks it):
clients such as QGIS, GDAL and turf refuse or mis-draw invalid rings."""

from __future__ import annotations

import json
from typing import Any

import pytest
import shapely
from shapely.geometry import shape

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

ENDPOINTS = [
    "/api/v1/areas?level=kecamatan", "/api/v1/areas?level=desa",
    "/api/v1/areas?level=kecamatan&outline=desa", "/api/v1/areas?level=kabupaten&outline=desa",
    "/api/v1/choropleth?level=desa", "/api/v1/choropleth?level=kecamatan",
    "/api/v1/hotspots?level=kecamatan&permutations=99",
    "/api/v1/heat", "/api/v1/heat?bands=8", "/api/v1/heat?bandwidth_m=800",
    "/api/v1/heat?within=74.05.01",
    "/api/v1/clusters?eps_m=1500&min_points=3", "/api/v1/clusters?hull=concave&min_points=3",
    "/ogc/collections/areas/items?limit=1000",
    "/api/v1/export/choropleth.geojson?level=desa",
]


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def polygons(document: dict[str, Any]) -> list[tuple[Any, Any]]:
    found = []
    for feature in document.get("features", []):
        geometry = feature.get("geometry")
        if geometry and geometry["type"] in ("Polygon", "MultiPolygon"):
            found.append((feature.get("id", feature.get("properties", {}).get("kode")), shape(geometry)))
    return found


@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_polygon_is_valid(client, ds: Dataset, url: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url, headers=bearer(ds, "analyst"))
    assert response.status_code == 200, (url, response.data[:200])
    document = json.loads(response.data)
    found = polygons(document)
    assert found or document.get("insufficient_data") or url.startswith("/api/v1/clusters"), url
    invalid = [(fid, shapely.is_valid_reason(geom)) for fid, geom in found if not geom.is_valid]
    assert not invalid, (url, invalid[:5])


def test_patrol_sectors_are_valid(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/patrol-plan", headers=bearer(ds, "analyst"))
    assert response.status_code == 200, response.data[:200]  # the dataset has TPS for an election
    found = polygons(json.loads(response.data))
    assert found and all(geom.is_valid for _, geom in found)
