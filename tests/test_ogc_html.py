"""HTML views of /ogc (f=html or a browser's Accept header): landing, collections, one
collection and pages of features, in the site's layout and language; JSON clients unchanged."""

from __future__ import annotations

import pytest

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def test_landing_and_collections_as_html(client) -> None:  # type: ignore[no-untyped-def]
    landing = client.get("/ogc/", headers=BROWSER)
    assert landing.status_code == 200 and landing.mimetype == "text/html"
    assert b"OGC API" in landing.data and b"/ogc/collections" in landing.data
    collections = client.get("/ogc/collections?f=html&lang=en")
    assert collections.status_code == 200 and b'id="ogc-collections"' in collections.data
    assert b"Administrative areas" in collections.data and b"Conflict incidents" not in collections.data
    assert client.get("/ogc/collections").mimetype == "application/json"  # no Accept: JSON
    assert client.get("/ogc/collections", headers={"Accept": "*/*"}).mimetype == "application/json"
    one = client.get("/ogc/collections/tps?f=html")
    assert one.status_code == 200 and b'id="ogc-items-link"' in one.data


def test_items_as_a_table_with_paging(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/ogc/collections/areas/items?f=html&limit=20&filter=level%3D%27desa%27")
    assert page.status_code == 200
    html = page.data.decode()
    assert html.count("<tr>") == 21 and "74.05." in html  # a header row and 20 features
    assert 'id="ogc-next"' in html and "f=html" in html.split('id="ogc-next"')[0].rsplit("href=", 1)[1]
    incidents = client.get("/ogc/collections/incidents/items?f=html&limit=5", headers=bearer(ds, "analyst"))
    assert incidents.status_code == 200 and b"kategori" in incidents.data
    assert client.get("/ogc/collections/incidents/items?f=html").status_code == 401
    hostile = client.get("/ogc/collections/areas/items?f=html&limit=1&lang=%3Cscript%3Ealert")
    assert b"<script>alert" not in hostile.data


def test_a_person_browses_the_ogc_pages_in_chromium(browser, ds: Dataset, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """From the landing page by links only, on a laptop and a phone; no console errors."""
    from tests.live_server import live_server

    with live_server(ds.url) as base:
        for width, height in ((1366, 850), (390, 844)):
            page = browser.new_page(viewport={"width": width, "height": height})
            errors: list[str] = []
            page.on("console", lambda m, seen=errors: seen.append(m.text) if m.type == "error" else None)
            page.goto(base + "/ogc/?lang=id")  # the default language, whatever Chromium sends
            page.get_by_role("link", name="Koleksi").first.click()
            page.get_by_role("link", name="Lihat fitur").first.click()  # areas: 377 features
            page.wait_for_selector("#ogc-items")
            assert page.locator("#ogc-items tbody tr").count() == 100
            page.locator("#ogc-next").click()
            page.wait_for_selector("#ogc-items")
            assert "after=" in page.url and "f=html" in page.url and "limit=100" in page.url
            assert page.locator("#ogc-items tbody tr").count() == 100  # same page size as before
            page.screenshot(path=str(tmp_path / f"ogc-items-{width}.png"))
            scroll = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert scroll <= 0, f"the page scrolls sideways at {width} px"
            assert not errors, errors
            page.close()
