"""One conditional-response rule for the choropleth, the hot-spot layers and the vector tiles
(issue 18, pks_geo.web.conditional): an ETag per parameters, data versions and disclosure level,
``304`` on revalidation, and the finished bodies in byte-bounded in-process caches
(``PKS_GEO_RESPONSE_CACHE_MB`` for documents, ``PKS_GEO_TILE_CACHE_MB`` for tiles).

The same URL asked by a viewer and by an analyst is two documents: each gets its own ETag, an
analyst's ETag presented by a viewer is never answered ``304`` (nor from the analyst's cache
entry), and the viewer's answer hides the small counts the analyst's shows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.web import create_app
from tests.hotspot_data import insert_counts
from tests.test_tiles import KS_TILE  # a z10 tile over Konawe Selatan

URLS = {"choropleth": "/api/v1/choropleth?level=kecamatan&metric=count",
        "hotspots": "/api/v1/hotspots?level=kecamatan",
        "tile": "/tiles/areas-kecamatan/{}/{}/{}.pbf?metric=count".format(*KS_TILE)}


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths: list[Path]) -> tuple[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    from pks_geo import schema
    from pks_geo.db import get_engine

    url = database_factory.create()
    engine: Engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    # one desa with 2 incidents (suppressed below analyst), others with more
    insert_counts(engine, {"74.05.01.2014": 2, "74.05.02.2001": 7, "74.05.03.2001": 9}, date(2019, 4, 10))
    add_user(engine, "cond-analyst", "analyst", "password-12345", actor="test")
    token = create_token(engine, "cond-analyst", actor="test")[1]
    return url, {"Authorization": f"Bearer {token}"}


def _app(url: str, **config: object):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": url, "TESTING": True, **config})


@pytest.mark.parametrize("endpoint", list(URLS))
def test_etag_304_and_cache_per_disclosure_level(world, endpoint: str) -> None:  # type: ignore[no-untyped-def]
    url, analyst = world
    app = _app(url)
    client: FlaskClient = app.test_client()
    cache = app.extensions["pks_geo.cache.tiles" if endpoint == "tile" else "pks_geo.cache.responses"]
    path = URLS[endpoint]
    viewer_first = client.get(path)
    analyst_first = client.get(path, headers=analyst)
    assert viewer_first.status_code == analyst_first.status_code == 200
    assert viewer_first.headers["ETag"] != analyst_first.headers["ETag"]
    assert viewer_first.data != analyst_first.data  # the viewer's answer suppresses the 2
    assert cache.misses == 2 and len(cache) == 2
    assert "private" in analyst_first.headers["Cache-Control"]

    for headers, first in (({}, viewer_first), (analyst, analyst_first)):
        again = client.get(path, headers={**headers, "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == first.headers["ETag"] and not again.data
        cached = client.get(path, headers=headers)
        assert cached.status_code == 200 and cached.data == first.data
    assert cache.hits == 2

    # an analyst's ETag (say, in a browser cache after logging out) does not revalidate for a viewer
    stolen = client.get(path, headers={"If-None-Match": analyst_first.headers["ETag"]})
    assert stolen.status_code == 200 and stolen.data == viewer_first.data
    assert stolen.headers["ETag"] == viewer_first.headers["ETag"]


def test_documents_share_one_cache_bounded_by_bytes(world) -> None:  # type: ignore[no-untyped-def]
    url, analyst = world
    app = _app(url, RESPONSE_CACHE_MB=1)
    cache = app.extensions["pks_geo.cache.responses"]
    assert cache.max_bytes == 1024 * 1024
    client = app.test_client()
    sizes = []
    for k in (3, 4, 5, 6, 7):  # five choropleth documents and one hot-spot document
        sizes.append(len(client.get(f"{URLS['choropleth']}&k={k}", headers=analyst).data))
    sizes.append(len(client.get(URLS["hotspots"], headers=analyst).data))
    assert len(cache) == 6 and cache._size == sum(sizes) <= cache.max_bytes
    desa = client.get("/api/v1/hotspots?level=desa", headers=analyst)  # bigger than a quarter: not kept
    assert desa.status_code == 200
    assert (len(cache) == 7) == (len(desa.data) <= cache.max_bytes // 4)
    assert cache._size <= cache.max_bytes

    off = _app(url, RESPONSE_CACHE_MB=0, TILE_CACHE_MB=0)
    assert not off.extensions["pks_geo.cache.responses"].enabled
    assert not off.extensions["pks_geo.cache.tiles"].enabled
    answer = off.test_client().get(URLS["hotspots"])
    assert answer.status_code == 200 and answer.headers["ETag"]
