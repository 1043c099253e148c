"""The app's edge: CORS for configured origins only, X-Forwarded-* behind a trusted proxy,
compressed JSON/GeoJSON/MVT, and one access-log line per request without secrets."""

from __future__ import annotations

import gzip
import json
import logging
import re

import pytest

from pks_geo.config import ConfigError, Settings
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


def make_client(ds: Dataset, monkeypatch, **env: str):  # type: ignore[no-untyped-def]
    for name, value in env.items():
        monkeypatch.setenv(f"PKS_GEO_{name.upper()}", value)
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def test_cors_only_for_listed_origins(ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = make_client(ds, monkeypatch, cors_origins="https://peta.kantor.go.id, http://localhost:8080")
    url = "/api/v1/areas?level=kecamatan"
    allowed = client.get(url, headers={"Origin": "https://peta.kantor.go.id"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://peta.kantor.go.id"
    assert "ETag" in allowed.headers["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Credentials" not in allowed.headers
    assert "Origin" in allowed.headers["Vary"]
    other = client.get(url, headers={"Origin": "https://evil.example"})
    assert other.status_code == 200 and "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/tiles/incidents/10/883/520.pbf", headers={
        "Origin": "http://localhost:8080", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization"})
    assert preflight.status_code == 204  # before authentication: a preflight has no credentials
    assert preflight.headers["Access-Control-Allow-Origin"] == "http://localhost:8080"
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    post = client.options("/api/v1/incidents", headers={
        "Origin": "http://localhost:8080", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in post.headers  # read-only
    page = client.get("/peta", headers={"Origin": "https://peta.kantor.go.id"})
    assert "Access-Control-Allow-Origin" not in page.headers  # pages are not shared


def test_no_cors_by_default(ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PKS_GEO_CORS_ORIGINS", raising=False)
    client = make_client(ds, monkeypatch)
    response = client.get("/ogc/collections", headers={"Origin": "https://peta.kantor.go.id"})
    assert "Access-Control-Allow-Origin" not in response.headers
    with pytest.raises(ConfigError, match="CORS_ORIGINS"):
        Settings.from_env({"PKS_GEO_CORS_ORIGINS": "https://peta.kantor.go.id/path"})


def test_forwarded_headers_only_behind_a_trusted_proxy(ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "peta.kantor.go.id",
                 "X-Forwarded-For": "10.1.2.3"}
    monkeypatch.delenv("PKS_GEO_TRUSTED_PROXIES", raising=False)
    direct = make_client(ds, monkeypatch)
    links = json.loads(direct.get("/ogc/", headers=forwarded).data)["links"]
    assert links[0]["href"].startswith("http://localhost/")  # nobody vouches for those headers
    proxied = make_client(ds, monkeypatch, trusted_proxies="1")
    links = json.loads(proxied.get("/ogc/", headers=forwarded).data)["links"]
    assert all(link["href"].startswith("https://peta.kantor.go.id/ogc") for link in links)
    page = json.loads(proxied.get("/ogc/collections/areas/items?limit=2", headers=forwarded).data)
    assert next(link for link in page["links"] if link["rel"] == "next")["href"].startswith(
        "https://peta.kantor.go.id/ogc/collections/areas/items?")
    tilejson = json.loads(proxied.get("/tiles/areas-desa.json", headers=forwarded).data)
    assert tilejson["tiles"][0].startswith("https://peta.kantor.go.id/tiles/areas-desa/")


TIMESTAMP = re.compile(rb'"timeStamp":"[^"]*"')


def test_json_geojson_and_tiles_are_compressed(ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    client = make_client(ds, monkeypatch)
    for url in ("/api/v1/areas?level=desa", "/ogc/collections/areas/items?limit=50",
                "/api/v1/meta", "/tiles/areas-desa/10/860/523.pbf"):
        plain = client.get(url)
        packed = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert plain.status_code == packed.status_code == 200, url
        assert packed.headers["Content-Encoding"] == "gzip", url
        assert "Accept-Encoding" in packed.headers["Vary"]
        # an OGC page states the second it was made (timeStamp): two requests may straddle one
        assert TIMESTAMP.sub(b"", gzip.decompress(packed.data)) == TIMESTAMP.sub(b"", plain.data), url
        # JSON shrinks to well under half; MVT (already delta-encoded varints) by about a quarter
        assert len(packed.data) < len(plain.data) * (0.9 if url.endswith(".pbf") else 0.5), url
    login = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in login.headers  # HTML with a CSRF token: never (BREACH)


def test_one_log_line_per_request_without_secrets(ds: Dataset, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    client = make_client(ds, monkeypatch)
    headers = bearer(ds, "analyst")
    with caplog.at_level(logging.INFO, logger="pks_geo.access"):
        client.get("/ogc/collections/incidents/items?limit=1&token=pksg_secret", headers=headers).close()
        client.get("/embed/abc?token=eyJsigned.value").close()
        client.get("/api/v1/incidents").close()
    lines = [r.getMessage() for r in caplog.records if r.name == "pks_geo.access"]
    assert len(lines) == 3
    assert "pksg_secret" not in lines[0] and "token=***" in lines[0] and "limit=1" in lines[0]
    assert ' uji-analyst [' in lines[0] and '"GET /ogc/collections/incidents/items?' in lines[0]
    assert " 400 " in lines[0] and lines[0].endswith("ms")  # token is no OGC parameter: 400
    assert "eyJsigned" not in lines[1]
    assert " - - [" in lines[2] and " 401 " in lines[2]
