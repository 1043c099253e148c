"""The map page's filter panel in headless Chromium, on a seeded incident/TPS dataset:
filters redraw the choropleth without a reload, the view is a shareable URL, the legend
shows classes and counts, English works, and only analysts see incident points."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import mapbox_vector_tile
import pytest

from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.analysis_dataset import Dataset, bearer, get_dataset


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def server(ds: Dataset) -> Iterator[str]:
    with serve_in_background(create_app({"DATABASE_URL": ds.url, "TESTING": True})) as url:
        yield url


def _watch(page, base: str) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    seen: dict[str, list[str]] = {"outside": [], "errors": [], "api": []}
    host = urlparse(base).netloc
    page.on("request", lambda r: seen["outside" if urlparse(r.url).netloc not in (host, "")
                                       and not r.url.startswith("data:") else "api"].append(r.url))
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    return seen


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-ready='true']", timeout=30000)


def _classes(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        "path[data-level^='choropleth-']",
        "els => Object.fromEntries(els.map("
        "e => [e.dataset.kode, e.dataset.class + '|' + e.getAttribute('fill')]))")


def test_choropleth_legend_and_filter_redraw_without_reload(page, server: str) -> None:
    seen = _watch(page, server)
    page.goto(server + "/")
    _ready(page)
    assert seen["outside"] == [] and seen["errors"] == []
    before = _classes(page)
    assert len(before) == 25
    assert len(set(before.values())) >= 3  # several classes are drawn
    legend = page.locator("[data-testid='legend']").inner_text()
    assert "Jumlah insiden" in legend
    page.evaluate("window.__sameDocument = true")
    page.select_option("select[name='kategori']", "politik_uang")
    _ready(page)
    page.wait_for_function("() => location.search.includes('kategori=politik_uang')")
    _ready(page)
    after = _classes(page)
    assert page.evaluate("window.__sameDocument") is True  # no full page reload
    assert after != before
    assert any("/api/v1/choropleth?" in u and "kategori=politik_uang" in u for u in seen["api"])
    assert seen["errors"] == []


def test_view_is_a_shareable_url(page, server: str) -> None:
    page.goto(server + "/?level=desa&metric=per_1000_dpt&scheme=fisher_jenks&k=4&lang=id")
    _ready(page)
    assert page.locator("select[name='level']").input_value() == "desa"
    assert page.locator("select[name='scheme']").input_value() == "fisher_jenks"
    assert len(_classes(page)) == 351
    legend = page.locator("[data-testid='legend']").inner_text()
    assert "Tidak ada data" in legend  # desa without TPS have no rate
    page.select_option("select[name='k']", "6")
    page.wait_for_function("() => location.search.includes('k=6')")
    query = parse_qs(urlparse(page.url).query)
    assert query["level"] == ["desa"] and query["metric"] == ["per_1000_dpt"] and query["k"] == ["6"]


def test_bad_manual_breaks_show_an_error_naming_the_problem(page, server: str) -> None:
    page.goto(server + "/?scheme=manual&breaks=5,1")
    page.wait_for_selector("body[data-ready='error']", timeout=30000)
    assert page.locator("#pks-error").is_visible()
    message = page.locator("#pks-error").inner_text()
    assert "Batas kelas" in message and "breaks" not in message  # the field's label, in Indonesian
    page.goto(server + "/?scheme=manual&breaks=5,1&lang=en")
    page.wait_for_selector("body[data-ready='error']", timeout=30000)
    assert "breaks" in page.locator("#pks-error").inner_text()  # English pages keep the API's words


def test_english_switch_translates_the_panel_and_legend(page, server: str) -> None:
    page.goto(server + "/?lang=en")
    _ready(page)
    panel = page.locator("#pks-panel").inner_text()
    assert "Map filters" in panel and "Number of incidents" in panel and "Election" in panel
    assert "Filter peta" not in panel
    assert "Number of incidents" in page.locator("[data-testid='legend']").inner_text()


def test_viewer_sees_no_incident_points(page, server: str) -> None:
    seen = _watch(page, server)
    page.goto(server + "/")
    _ready(page)
    assert page.locator(".marker-cluster, path.pks-incident").count() == 0
    assert not any("/api/v1/incidents" in u for u in seen["api"])
    assert "Titik insiden" not in page.locator(".leaflet-control-layers").inner_text()


def test_analyst_sees_incident_points(browser, server: str, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(extra_http_headers=bearer(ds, "analyst"))
    page = context.new_page()
    try:
        page.goto(server + "/")
        _ready(page)
        page.wait_for_selector(".marker-cluster", timeout=10000)
        assert "Titik insiden" in page.locator(".leaflet-control-layers").inner_text()
        assert page.locator(".marker-cluster").count() > 0
    finally:
        context.close()


def test_stage_animation_steps_through_the_stages(page, server: str) -> None:
    page.goto(server + "/?election=pemilu-2019")
    _ready(page)
    page.click("#pks-play")
    page.wait_for_function("() => location.search.includes('stage=pendaftaran')", timeout=10000)
    page.wait_for_function("() => location.search.includes('stage=kampanye')", timeout=10000)
    assert page.locator("select[name='stage']").input_value() in ("kampanye", "masa_tenang")
    page.click("#pks-play")  # stop
    assert "Putar" in page.locator("#pks-play").inner_text()


@pytest.mark.parametrize("label,name", [("Titik panas (Gi*)", "hotspots"),
                                        ("Klaster insiden (DBSCAN)", "clusters"),
                                        ("Permukaan kepadatan (KDE)", "heat"),
                                        ("Pola titik panas baru", "emerging")])
def test_analysis_layers_switch_on(page, server: str, label: str, name: str) -> None:
    seen = _watch(page, server)
    page.goto(server + "/")
    _ready(page)
    assert not any(f"/api/v1/{name}" in u for u in seen["api"])  # nothing computed until asked
    page.locator(".leaflet-control-layers label", has_text=label).locator("input").check()
    page.wait_for_selector(f"body[data-layer{name}='ready']", timeout=90000)
    assert page.locator(f"path[data-layer='{name}']").count() > 0
    if name == "hotspots":
        legend = page.locator("[data-testid='hotspot-legend']").inner_text()
        assert "Titik panas 99 %" in legend and "Titik dingin 95 %" in legend
    assert seen["errors"] == [] and seen["outside"] == []


@pytest.fixture(scope="module")
def tiled_server(ds: Dataset) -> Iterator[str]:
    """The same data with a threshold of 100 polygons, so the 351 desa come as vector tiles."""
    from pks_geo.config import Settings

    settings = Settings(database_url=ds.url, tile_threshold=100)
    with serve_in_background(create_app(settings)) as url:
        yield url


def test_many_polygons_switch_to_vector_tiles(page, tiled_server: str) -> None:
    seen = _watch(page, tiled_server)
    page.goto(tiled_server + "/?level=desa")
    _ready(page)
    assert page.evaluate("document.body.dataset.choropleth") == "tiles"
    page.wait_for_function("() => document.querySelectorAll('canvas.leaflet-tile').length > 0")
    assert any("/tiles/areas-desa/" in u and ".pbf" in u for u in seen["api"])
    assert not any("/api/v1/choropleth" in u for u in seen["api"])
    assert not any("/api/v1/areas?level=desa" in u for u in seen["api"])
    assert "Jumlah insiden" in page.locator("[data-testid='legend']").inner_text()
    assert seen["errors"] == [] and seen["outside"] == []
    page.select_option("select[name='level']", "kecamatan")  # 25 polygons: GeoJSON again
    page.wait_for_function("() => document.body.dataset.choropleth === 'geojson'")
    _ready(page)
    assert len(_classes(page)) == 25


def test_tps_layer_loads_when_switched_on(page, server: str) -> None:
    seen = _watch(page, server)
    page.goto(server + "/?election=pemilu-2019")
    _ready(page)
    assert not any("/api/v1/tps" in u for u in seen["api"])
    page.locator(".leaflet-control-layers label", has_text="TPS").locator("input").check()
    page.wait_for_selector("body[data-tps]")
    n = int(page.evaluate("document.body.dataset.tps"))  # this dataset's TPS have no points
    assert page.locator("path.pks-tps").count() == n
    assert any("/api/v1/tps?election=pemilu-2019" in u for u in seen["api"])


def test_stage_animation_keeps_one_set_of_breaks_and_names_the_stage(page, server: str) -> None:
    """A colour means the same count in every frame (issue 19): one classification, the whole period's."""
    seen = _watch(page, server)
    page.goto(server + "/?election=pemilu-2019")
    _ready(page)
    page.click("#pks-play")
    page.wait_for_function("() => location.search.includes('stage=kampanye')", timeout=15000)
    label = page.locator(".pks-stage-label")
    assert label.is_visible() and label.inner_text().startswith("Tahapan: ")
    page.click("#pks-play")  # stop
    frames = [parse_qs(urlparse(u).query) for u in seen["api"]
              if "/api/v1/choropleth" in u and "stage=" in u]
    assert len(frames) >= 2
    assert {tuple(f.get("breaks", [])) for f in frames} != {()}  # manual breaks were sent
    assert len({(tuple(f["scheme"]), tuple(f["breaks"])) for f in frames}) == 1  # the same for every frame
    assert frames[0]["scheme"] == ["manual"]
    assert not label.is_visible() or label.inner_text() == ""  # stopping clears the stage name


def test_shared_link_keeps_extent_and_layers(page, server: str) -> None:
    seen = _watch(page, server)
    page.goto(server + "/?at=-4.25000,122.30000,12&show=kecamatan,tps")
    _ready(page)
    page.wait_for_selector("body[data-tps]", timeout=15000)
    assert page.evaluate("window[window.PKS_GEO.map].getZoom()") == 12
    center = page.evaluate("(() => { const c = window[window.PKS_GEO.map].getCenter(); "
                           "return [c.lat, c.lng]; })()")
    assert center == pytest.approx([-4.25, 122.3], abs=1e-3)
    tps_box = page.locator(".leaflet-control-layers label", has_text="TPS").locator("input")
    assert tps_box.is_checked() and any("/api/v1/tps" in u for u in seen["api"])  # switched on by the link
    page.evaluate("window[window.PKS_GEO.map].setZoom(11, {animate: false})")
    page.wait_for_function("() => decodeURIComponent(location.search).includes(',11&')")
    query = parse_qs(urlparse(page.url).query)
    assert query["show"] == ["kecamatan,tps"]


def test_incident_layer_says_when_it_shows_a_sample(browser, server: str, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(extra_http_headers=bearer(ds, "analyst"))
    page = context.new_page()
    # the real server answers; only the page's own limit (1,000) is lowered below the 700 incidents
    page.route("**/api/v1/incidents?*", lambda route: route.continue_(
        url=route.request.url.replace("limit=1000", "limit=100")))
    try:
        page.goto(server + "/")
        _ready(page)
        assert page.evaluate("document.body.dataset.incidentSample") == "1"
        status = page.locator("#pks-status").inner_text()
        assert re.search(r"titik insiden: 100 terbaru dari 7\d\d;", status), status
        note = page.locator("[data-testid='incident-note']")  # on the map too (a phone cuts the status)
        assert note.is_visible() and "nyalakan \u201cSemua titik insiden (tile)\u201d" in note.inner_text()
        page.set_viewport_size({"width": 1366, "height": 850})
        page.screenshot(path="/tmp/shots/incident-sample-1366.png")
        # how to see all: the tile layer it names draws every incident (the server's vector tiles)
        with page.expect_response(lambda r: "/tiles/incidents/" in r.url and r.status == 200, timeout=30000):
            label = page.locator(".leaflet-control-layers label", has_text="Semua titik insiden")
            label.locator("input").check()
        assert page.evaluate("document.body.dataset.incidentsAll") == "on"
        assert not note.is_visible()  # nothing is left out any more
        page.wait_for_function("() => decodeURIComponent(location.search).includes('incidents_all')")
        # a tile point's tooltip names its kategori and date, read from the tile's own attributes
        # (issue 18: event_date, as every API names it). The tooltip is what the layer's hover shows.
        tiles: list = []
        page.on("response", lambda r: tiles.append(r) if "/tiles/incidents/13/" in r.url else None)
        page.evaluate("window[window.PKS_GEO.map].setView([-4.1, 122.38], 13, {animate: false})")
        page.wait_for_function("() => document.querySelectorAll('.leaflet-tile-loaded').length > 0")
        page.wait_for_timeout(1000)
        bodies = [body for body in (context.request.get(r.url).body() for r in tiles) if body]
        props = mapbox_vector_tile.decode(bodies[0])["incidents"]["features"][0]["properties"]
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", props["event_date"])
        page.evaluate("""(props) => {
            const map = window[window.PKS_GEO.map];
            map.eachLayer((l) => { if (l.pksLayerName === 'incidents') {
                l.fire('mouseover', { layer: { properties: props }, latlng: map.getCenter() }); } });
        }""", props)
        tip = page.locator(".pks-tip").first
        tip.wait_for(timeout=10000)
        year = props["event_date"][:4]
        assert year in tip.inner_text() and props["kategori"] in tip.inner_text(), tip.inner_text()
    finally:
        context.close()
