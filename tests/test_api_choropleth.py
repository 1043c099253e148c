"""``GET /api/v1/choropleth``: RFC 7946 output that agrees with aggregate() and classify(),
legend and filter echo, 400s naming the parameter, roles, ETag/304 and simplified geometries
whose neighbours still meet."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import shape
from sqlalchemy import text

from pks_geo.queries.filters import FilterSet
from pks_geo.stats.aggregate import aggregate
from pks_geo.stats.classify import classify
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    # the exact computation (MIN_CELL 1: nothing suppressed); the minimum cell below analyst is
    # tested in test_disclosure.py
    return create_app({"DATABASE_URL": ds.url, "TESTING": True, "MIN_CELL": 1}).test_client()


def _get(client, query: str, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/choropleth?{query}", **kwargs)
    assert response.status_code == 200, response.data[:500]
    assert response.mimetype == "application/geo+json"
    return json.loads(response.data)


def test_kecamatan_choropleth_is_rfc7946_with_legend_and_filters(client) -> None:  # type: ignore[no-untyped-def]
    body = _get(client, "level=kecamatan")
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert len(body["features"]) == 25
    for feature in body["features"]:
        assert set(feature["properties"]) >= {"kode", "nama", "value", "class", "n_incidents", "rank"}
        geometry = shape(feature["geometry"])
        assert geometry.is_valid and geometry.area > 0
        for polygon in getattr(geometry, "geoms", [geometry]):
            assert polygon.exterior.is_ccw
            assert -5 < polygon.exterior.coords[0][1] < -3  # [lon, lat] order
    legend = body["legend"]
    assert set(legend) >= {"scheme", "k", "breaks", "labels", "colors", "counts", "no_data"}
    assert legend["scheme"] == "quantiles" and legend["k"] == 5
    assert len(legend["labels"]) == len(legend["colors"]) == len(legend["counts"]) == legend["k"] + 1
    classes = [f["properties"]["class"] for f in body["features"]]
    assert [classes.count(i) for i in range(legend["k"] + 1)] == legend["counts"]
    assert body["filters"] == {"level": "kecamatan", "from": None, "to": None, "election": None,
                               "stage": None, "kategori": [], "source": [], "verified": False,
                               "within": None, "metric": "count", "smooth": None, "lang": "id",
                               "dpt_election": "pemilu-2019",
                               "dpt_election_reason": "latest election with TPS (no election filter given)"}


@pytest.mark.parametrize("query,metric,smooth,scheme,k", [
    ("level=desa&metric=per_1000_dpt&scheme=fisher_jenks&k=7", "per_1000_dpt", None, "fisher_jenks", 7),
    ("level=desa&metric=per_1000_dpt&smooth=eb&k=4", "per_1000_dpt", "eb", "quantiles", 4),
    ("level=kecamatan&metric=per_km2&scheme=equal_interval&k=3&kategori=bentrok,kerusuhan",
     "per_km2", None, "equal_interval", 3),
    ("level=desa&metric=luka&election=pemilu-2019&verified=1", "luka", None, "quantiles", 5),
])
def test_values_and_classes_agree_with_aggregate_and_classify(client, ds: Dataset, query: str, metric: str,
                                                              smooth, scheme: str, k: int) -> None:  # type: ignore[no-untyped-def]
    body = _get(client, query)
    echo = body["filters"]
    filters = FilterSet(level=echo["level"], election=echo["election"], kategori=tuple(echo["kategori"]),
                        verified_only=echo["verified"])
    frame = aggregate(ds.engine, filters.level, metric, filters, smooth)
    expected = classify(frame["value"].to_numpy(), scheme, k, integer=metric == "luka")
    by_kode = {f["properties"]["kode"]: f["properties"] for f in body["features"]}
    assert list(by_kode) == list(frame["kode"])
    for row, cls in zip(frame.itertuples(), expected.classes, strict=True):
        props = by_kode[row.kode]
        assert props["class"] == cls
        assert props["n_incidents"] == row.n_incidents
        if props["value"] is None:
            assert row.value != row.value  # NaN: no data
        else:
            assert props["value"] == pytest.approx(row.value, abs=1e-4)
    assert body["legend"]["breaks"] == pytest.approx(expected.breaks)
    assert body["metric"]["smoothed"] is (smooth is not None)


def test_no_data_areas_have_null_value_and_class_and_a_legend_entry(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    body = _get(client, "level=desa&metric=per_1000_dpt&lang=en")
    props = {f["properties"]["kode"]: f["properties"] for f in body["features"]}
    for kode in (ds.null_dpt_desa, ds.zero_dpt_desa):
        assert props[kode]["value"] is None and props[kode]["class"] is None and props[kode]["rank"] is None
    assert props[ds.empty_desa]["value"] == 0 and props[ds.empty_desa]["class"] == 0
    no_data = body["legend"]["no_data"]
    assert no_data["label"] == "No data"
    assert no_data["count"] == sum(1 for p in props.values() if p["value"] is None) > 2
    assert body["legend"]["labels"][0] == "0" and body["metric"]["label"].startswith("Incidents per 1,000")
    top = max((p for p in props.values() if p["value"] is not None), key=lambda p: p["value"])
    assert top["rank"] == 1 and top["class"] == body["legend"]["k"]


def test_only_areas_with_something_to_rank_get_a_rank(client) -> None:  # type: ignore[no-untyped-def]
    """A desa without a single incident is not "rank 40 of 351"; ties share the best rank."""
    body = _get(client, "level=desa")
    props = [f["properties"] for f in body["features"]]
    assert any(p["value"] == 0 for p in props)
    positive = sorted((p["value"] for p in props if p["value"]), reverse=True)
    for p in props:
        if not p["value"]:
            assert p["rank"] is None, p
        else:  # competition ranking ("1224"), computed here without pandas
            assert p["rank"] == 1 + sum(1 for v in positive if v > p["value"]), p
    assert body["legend"]["attribution"].startswith("Warna: ColorBrewer")
    assert _get(client, "level=desa&lang=en")["legend"]["attribution"].startswith("Colours: ColorBrewer")


@pytest.mark.parametrize("query,parameter", [
    ("level=provinsi", "level"),
    ("metric=korban", "metric"),
    ("scheme=jenks", "scheme"),
    ("k=2", "k"),
    ("k=sepuluh", "k"),
    ("scheme=manual", "breaks"),
    ("scheme=manual&breaks=5,3,1", "breaks"),
    ("breaks=1,2,3", "breaks"),
    ("palette=Rainbow", "palette"),
    ("kategori=tawuran", "kategori"),
    ("election=pemilu-2099", "election"),
    ("stage=perang", "stage"),
    ("from=2018-13-01", "from"),
    ("from=2019-01-01&to=2018-01-01", "from"),
    ("smooth=kernel", "smooth"),
    ("smooth=eb&metric=count", "smooth"),
    ("verified=mungkin", "verified"),
    ("source=entah", "source"),
    ("lang=fr", "lang"),
    ("kecamatan=74.05.01", "kecamatan"),
])
def test_bad_parameters_are_400_naming_the_parameter(client, query: str, parameter: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(f"/api/v1/choropleth?{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["parameter"] == parameter and body["error"]


def test_etag_and_last_modified_make_repeat_requests_cheap(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    first = client.get("/api/v1/choropleth?level=desa&metric=count")
    etag = first.headers["ETag"]
    assert etag and first.headers["Last-Modified"]
    again = client.get("/api/v1/choropleth?level=desa&metric=count", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    since = client.get("/api/v1/choropleth?level=desa&metric=count",
                       headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    other = client.get("/api/v1/choropleth?level=desa&metric=per_km2", headers={"If-None-Match": etag})
    assert other.status_code == 200 and other.headers["ETag"] != etag
    with ds.engine.begin() as conn:  # any write to incident bumps its data version
        conn.execute(text("UPDATE incident SET status = status WHERE id = (SELECT min(id) FROM incident)"))
    changed = client.get("/api/v1/choropleth?level=desa&metric=count", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


def test_viewer_sees_the_choropleth_and_login_can_be_required(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/v1/choropleth", headers=bearer(ds, "viewer")).status_code == 200
    closed = create_app({"DATABASE_URL": ds.url, "TESTING": True, "ANONYMOUS_ROLE": "none"}).test_client()
    assert closed.get("/api/v1/choropleth").status_code == 401
    assert closed.get("/api/v1/choropleth", headers=bearer(ds, "viewer")).status_code == 200


def _neighbours(geoms: dict[str, shapely.Geometry]) -> list[tuple[str, str, float]]:
    codes = sorted(geoms)
    out = []
    for i, a in enumerate(codes):
        for b in codes[i + 1:]:
            shared = geoms[a].boundary.intersection(geoms[b].boundary).length
            if shared > 0.005:  # ~500 m of common boundary
                out.append((a, b, shared))
    return out


@pytest.mark.parametrize("level", ["kecamatan", "desa"])
def test_simplified_geometries_keep_neighbours_meeting(client, ds: Dataset, level: str) -> None:  # type: ignore[no-untyped-def]
    body = _get(client, f"level={level}")
    simplified = {f["properties"]["kode"]: shape(f["geometry"]) for f in body["features"]}
    original = gpd.read_postgis(text("SELECT kode, geom FROM admin_area WHERE level = :l"), ds.engine,
                                params={"l": level}, geom_col="geom").set_index("kode")["geom"].to_dict()
    if level == "desa":
        assert sum(shapely.get_num_coordinates(list(simplified.values()))) < \
            0.9 * sum(shapely.get_num_coordinates(list(original.values())))
    pairs = _neighbours(original)
    assert len(pairs) > (20 if level == "kecamatan" else 600)  # the source has gaps between some
    for a, b, shared in pairs:
        assert simplified[a].distance(simplified[b]) == 0, (a, b)
        still = simplified[a].boundary.intersection(simplified[b].boundary).length
        assert still > 0.7 * shared, (a, b, shared, still)
