"""What GIS clients need from the server: API tokens as HTTP Basic (QGIS), 401 challenges
everywhere (API, OGC, tiles), and GDAL 3.6's own tools reading with a log-in."""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator

import pytest

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset
from tests.live_server import live_server

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def token_of(ds: Dataset, role: str) -> str:
    return bearer(ds, role)["Authorization"].removeprefix("Bearer ")


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def test_token_as_basic_password_authenticates(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    token = token_of(ds, "analyst")
    url = "/ogc/collections/incidents/items?limit=2"
    assert client.get(url, headers=basic("uji-analyst", token)).status_code == 200
    assert client.get(url, headers=basic("UJI-Analyst", token)).status_code == 200  # names ignore case
    assert client.get("/api/v1/incidents", headers=basic("uji-analyst", token)).status_code == 200
    wrong_user = client.get(url, headers=basic("uji-viewer", token))  # a token works for its owner only
    assert wrong_user.status_code == 401 and "invalid_token" in wrong_user.headers["WWW-Authenticate"]
    wrong_token = client.get(url, headers=basic("uji-analyst", token + "x"))
    assert wrong_token.status_code == 401
    viewer = client.get(url, headers=basic("uji-viewer", token_of(ds, "viewer")))
    assert viewer.status_code == 403


def test_basic_with_an_account_password_is_not_a_log_in(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    token_of(ds, "analyst")  # creates uji-analyst with password-analyst
    password = basic("uji-analyst", "password-analyst")
    response = client.get("/ogc/collections/incidents/items", headers=password)
    assert response.status_code == 401  # left alone (e.g. a proxy's Basic auth): still anonymous
    assert client.get("/ogc/collections", headers=basic("x", "y")).status_code == 200


@pytest.mark.parametrize("url", ["/ogc/collections/incidents/items", "/ogc/collections/incidents",
                                 "/api/v1/incidents", "/tiles/incidents/10/883/520.pbf",
                                 "/tiles/incidents.json"])
def test_every_401_challenges_both_schemes(client, url: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(url)
    assert response.status_code == 401, url
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="pks-geo"') and 'Basic realm="pks-geo"' in challenge
    assert response.is_json
    browser = client.get(url, headers={"Sec-Fetch-Mode": "cors"})
    assert browser.status_code == 401 and "Basic" not in browser.headers["WWW-Authenticate"]


@pytest.fixture(scope="module")
def served(ds: Dataset) -> Iterator[str]:
    with live_server(ds.url) as base:
        yield base


def gdal(*args: str, **config: str) -> subprocess.CompletedProcess[str]:
    """Run a GDAL command-line tool (Debian's gdal-bin, GDAL 3.6 as our users have it)."""
    env = {**os.environ, **config, "CPL_DEBUG": "OFF"}
    return subprocess.run(list(args), env=env, capture_output=True, text=True, timeout=300)


needs_gdal_bin = pytest.mark.skipif(shutil.which("ogrinfo") is None,
                                    reason="gdal-bin missing: run scripts/install-system-deps.sh")


@needs_gdal_bin
def test_ogrinfo_reads_incidents_with_basic_auth(served: str, ds: Dataset) -> None:
    source = f"OAPIF:{served}/ogc"
    anonymous = gdal("ogrinfo", "-ro", "-q", source)
    assert "incidents" not in anonymous.stdout and "areas" in anonymous.stdout
    token = token_of(ds, "analyst")
    listed = gdal("ogrinfo", "-ro", "-q", source, GDAL_HTTP_AUTH="BASIC",
                  GDAL_HTTP_USERPWD=f"uji-analyst:{token}")
    assert "incidents" in listed.stdout, listed.stderr
    # ANY: curl sends the credentials only after a 401 challenge, so it needs the collection's
    # own URL (the collection list answers anonymous visitors with the public collections)
    summary = gdal("ogrinfo", "-ro", "-so", f"OAPIF:{served}/ogc/collections/incidents", "incidents",
                   GDAL_HTTP_AUTH="ANY", GDAL_HTTP_USERPWD=f"uji-analyst:{token}")
    assert summary.returncode == 0, summary.stderr
    assert f"Feature Count: {len(ds.incidents) + 1}" in summary.stdout
    headers = gdal("ogrinfo", "-ro", "-q", source, "incidents", "-fid", "1",
                   GDAL_HTTP_HEADERS=f"Authorization: Bearer {token}")
    assert headers.returncode == 0 and "OGRFeature(incidents)" in headers.stdout, headers.stderr


def _copy(served: str, ds: Dataset, tmp_path, layer: str, *options: str) -> int:  # type: ignore[no-untyped-def]
    """ogr2ogr one collection into a GeoPackage as an analyst (Basic auth); its feature count."""
    out = tmp_path / f"{layer}-{abs(hash(options))}.gpkg"
    copied = gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{served}/ogc", layer, *options,
                  GDAL_HTTP_AUTH="BASIC", GDAL_HTTP_USERPWD=f"uji-analyst:{token_of(ds, 'analyst')}")
    assert copied.returncode == 0, copied.stderr
    info = gdal("ogrinfo", "-ro", "-so", str(out), layer).stdout
    return int(info.split("Feature Count: ")[1].split()[0])


def _sql_count(ds: Dataset, sql: str) -> int:
    from sqlalchemy import text

    with ds.engine.connect() as conn:
        return int(conn.execute(text(sql)).scalar_one())


@needs_gdal_bin
def test_ogr2ogr_copies_every_collection_with_filters_and_paging(served: str, ds: Dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    log_path = live_server.log_path  # type: ignore[attr-defined]
    assert _copy(served, ds, tmp_path, "areas") == _sql_count(ds, "SELECT count(*) FROM admin_area")
    assert _copy(served, ds, tmp_path, "tps") == _sql_count(ds, "SELECT count(*) FROM polling_site") > 1000
    incidents = _sql_count(ds, "SELECT count(*) FROM incident")
    assert _copy(served, ds, tmp_path, "incidents") == incidents
    kategori = next(iter(ds.incidents["kategori"].value_counts().index))
    expected = _sql_count(ds, f"SELECT count(*) FROM incident WHERE kategori = '{kategori}'")
    assert _copy(served, ds, tmp_path, "incidents", "-where", f"kategori = '{kategori}'") == expected
    desa = _sql_count(ds, "SELECT count(*) FROM admin_area WHERE level = 'desa'")
    assert _copy(served, ds, tmp_path, "areas", "-where", "level = 'desa'") == desa
    in_box = _sql_count(ds, "SELECT count(*) FROM polling_site WHERE "
                            "ST_Intersects(geom, ST_MakeEnvelope(122.2, -4.4, 122.5, -4.1, 4326))")
    assert _copy(served, ds, tmp_path, "tps", "-spat", "122.2", "-4.4", "122.5", "-4.1") == in_box
    with open(log_path, encoding="utf-8") as log:
        requests = [line for line in log if '"GET /ogc/collections/' in line]
    # GDAL sent the filters to the server (query parameters described in /ogc/api) ...
    assert any(f"kategori={kategori}" in line for line in requests)
    assert any("bbox=" in line for line in requests)
    # ... and paged with the big next pages, not by 10
    next_pages = [line for line in requests if "after=" in line]
    assert next_pages and all("limit=1000" in line for line in next_pages)
    assert all(" 200 " in line for line in requests if "/items" in line)
