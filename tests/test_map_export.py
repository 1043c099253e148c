"""The map's export menu ("Unduh data", issue 14 item 2) in a real headless Chromium: an analyst
picks a dataset and a format, the file downloads, and read back (GDAL through pyogrio, or as
JSON/CSV) it holds what the map showed: the kategori filter and the classification of the
screen. A viewer on a phone (390x844, touch) gets the menu without the incidents entry and an
aggregate file under the filters set in the phone's filter sheet. Screenshots at 1366x850 and
390x844 go to $PKS_GEO_SHOTS (default /tmp/shots)."""

from __future__ import annotations

import csv
import io
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pyogrio
import pytest
from sqlalchemy import text

from pks_geo.config import Settings
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.briefing_support import TEST_SECRET_KEY, BriefingDb, make_briefing_db
from tests.security_setup import add_election, synthetic_tps
from tests.test_briefing_page import SHOTS, login, watch

ELECTION = "pilkada-2024"
N_TPS = 2 * 20


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    made = make_briefing_db(database_factory, ks_boundary_paths)
    with made.engine.begin() as conn:
        add_election(conn, ELECTION, date(2024, 11, 27))
    synthetic_tps(made.engine, ELECTION, n_desa=20, per_desa=2)
    return made


@pytest.fixture(scope="module")
def base(db: BriefingDb) -> Iterator[str]:
    settings = Settings(database_url=db.url, secret_key=TEST_SECRET_KEY)
    with serve_in_background(create_app(settings)) as url:
        yield url


def count(db: BriefingDb, kategori: str | None = None) -> int:
    sql = "SELECT count(*) FROM incident" + (" WHERE kategori = :k" if kategori else "")
    with db.engine.connect() as conn:
        return conn.execute(text(sql), {"k": kategori}).scalar_one()


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-ready='true']", timeout=30000)


def fetch(page, tmp_path: Path, fmt_label: str, *, tap: bool = False) -> Path:  # type: ignore[no-untyped-def]
    """Press the menu's "Unduh <format>" button; the downloaded file, saved under its own name."""
    button = page.locator("#pks-export-dialog .pks-export-format", has_text=f"Unduh {fmt_label}")
    with page.expect_download(timeout=180000) as download:
        button.tap() if tap else button.click()
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    page.wait_for_function("() => document.body.dataset.download "
                           "&& document.body.dataset.download !== 'working'")
    return path


def choose(page, dataset: str, *, tap: bool = False) -> None:  # type: ignore[no-untyped-def]
    radio = page.locator(f"#pks-export-dialog [data-dataset={dataset}] input")
    radio.tap() if tap else radio.check()
    page.wait_for_selector(f"#pks-export-dialog[data-dataset={dataset}]")


def legend_labels(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=legend] .pks-legend-row span:first-of-type").all_inner_texts()


def test_analyst_exports_what_the_map_shows(browser, base: str, db: BriefingDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/briefing")
    page.click("#nav-map")  # from the navigation, as a planner would
    _ready(page)

    # the whole period: the choropleth as GeoPackage holds every counted incident, class by class
    page.click("#pks-export-open")
    dialog = page.locator("#pks-export-dialog")
    assert dialog.is_visible()
    formats = dialog.locator(".pks-export-format span").all_inner_texts()
    assert formats == ["Unduh GeoJSON", "Unduh GeoPackage", "Unduh KML", "Unduh GPX", "Unduh CSV",
                       "Unduh metadata (TXT)"]
    choices = dialog.locator("[data-dataset]").evaluate_all("els => els.map(e => e.dataset.dataset)")
    assert choices == ["choropleth", "hotspots", "incidents", "tps"]
    on_map = dialog.locator("[data-dataset]:has(.pks-onmap:not([hidden]))").evaluate_all(
        "els => els.map(e => e.dataset.dataset)")
    assert on_map == ["choropleth", "incidents"]  # hot spots and TPS are switched off
    assert "tidak ada (semua insiden)" in page.inner_text("#pks-export-filters")
    gpkg = fetch(page, tmp_path, "GeoPackage")
    assert gpkg.suffix == ".gpkg" and "choropleth" in gpkg.name
    frame = pyogrio.read_dataframe(gpkg, layer="choropleth_kecamatan")
    assert len(frame) == 25
    assert int(frame["n_incidents"].sum()) == count(db)
    assert set(frame["class_label"]) <= set(legend_labels(page))
    page.keyboard.press("Escape")
    assert not dialog.is_visible()

    # a kategori filter and another classification: the next files follow them
    page.select_option("select[name=kategori]", "intimidasi")
    _ready(page)
    page.select_option("select[name=scheme]", "equal_interval")
    _ready(page)
    page.select_option("select[name=k]", "4")
    _ready(page)
    shown = legend_labels(page)
    page.click("#pks-export-open")
    note = page.inner_text("#pks-export-filters")
    assert "Intimidasi" in note and "Interval sama, 4 kelas" in note, note
    path = fetch(page, tmp_path, "CSV")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert len(rows) == 25
    filtered = sum(int(r["n_incidents"]) for r in rows)
    assert filtered == count(db, "intimidasi") < count(db)
    labels = {r["class_label"] for r in rows}
    assert labels <= set(shown) and len({r["class"] for r in rows if r["class"]}) <= 4

    # the incidents themselves, as GeoJSON and as KML: only the filtered kategori
    choose(page, "incidents")
    geojson = json.loads(fetch(page, tmp_path, "GeoJSON").read_text(encoding="utf-8"))
    assert len(geojson["features"]) == count(db, "intimidasi")
    assert {f["properties"]["kategori"] for f in geojson["features"]} == {"intimidasi"}
    assert geojson["metadata"]["filters"]["kategori"] == ["intimidasi"]
    kml = pyogrio.read_dataframe(fetch(page, tmp_path, "KML"))
    assert len(kml) == count(db, "intimidasi")

    # TPS as GPX waypoints for a handheld: the latest election with TPS
    choose(page, "tps")
    assert "TPS: pemilu terbaru" in page.inner_text("#pks-export-filters")
    gpx = fetch(page, tmp_path, "GPX")
    assert gpx.suffix == ".gpx" and ELECTION in gpx.name
    assert len(pyogrio.read_dataframe(gpx, layer="waypoints")) == N_TPS
    page.keyboard.press("Escape")

    # the hot-spot layer switched on: it is marked "di peta" and exports with the same filters
    page.locator(".leaflet-control-layers label", has_text="Titik panas (Gi*)").locator("input").check()
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=180000)
    page.click("#pks-export-open")
    assert dialog.locator("[data-dataset=hotspots] .pks-onmap").is_visible()
    choose(page, "hotspots")
    page.screenshot(path=f"{SHOTS}/map-export-1366.png")
    hot = json.loads(fetch(page, tmp_path, "GeoJSON").read_text(encoding="utf-8"))
    assert len(hot["features"]) == 25
    assert hot["metadata"]["filters"]["kategori"] == ["intimidasi"]
    assert sum(f["properties"]["n_incidents"] for f in hot["features"]) == count(db, "intimidasi")
    page.keyboard.press("Escape")
    assert outside == [] and errors == []
    context.close()


def test_viewer_exports_on_a_phone_without_incidents(browser, base: str, db: BriefingDb,  # type: ignore[no-untyped-def]
                                                      tmp_path: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, accept_downloads=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "vera")
    page.goto(base + "/briefing")
    page.tap("#pks-menu-button")
    page.tap("#nav-map")
    _ready(page)
    # filters are set in the phone's filter sheet
    page.tap("#pks-toggle-filters")
    page.select_option("select[name=kategori]", "bentrok")
    _ready(page)
    page.tap(".pks-sheet-close")
    page.tap("#pks-export-open")
    dialog = page.locator("#pks-export-dialog")
    assert dialog.is_visible()
    assert dialog.locator("[data-dataset=incidents]").count() == 0  # incident records are for analysts
    assert dialog.locator("[data-dataset]").count() == 3
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    for button in dialog.locator(".pks-export-format").all():
        b = button.bounding_box()
        assert b["height"] >= 44 and b["x"] + b["width"] <= 390  # big enough to tap, inside the screen
    assert "Bentrok" in page.inner_text("#pks-export-filters")
    page.screenshot(path=f"{SHOTS}/map-export-390.png")
    choose(page, "choropleth", tap=True)
    path = fetch(page, tmp_path, "CSV", tap=True)
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines))))
    assert len(rows) == 25
    # a viewer's file follows the disclosure policy: small counts are suppressed, never exact
    shown = sum(int(r["n_incidents"]) for r in rows if r["n_incidents"])
    assert 0 < shown <= count(db, "bentrok") < count(db)
    assert all(r["suppressed"] in ("true", "false", "True", "False", "1", "0") for r in rows)
    page.tap("#pks-export-dialog [data-close]")
    assert not dialog.is_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert outside == [] and errors == []
    context.close()
    # the server refuses the incidents file to a viewer whatever the page shows
    request = urllib.request.Request(base + "/api/v1/export/incidents.csv", headers=db.auth("viewer"))
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 403


def test_analysts_tools_on_a_phone_leave_the_map_controls_free(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta")
    _ready(page)
    # six tool buttons take two rows; the zoom and layer buttons start below the last one
    names = ("pks-toggle-filters", "pks-toggle-chart", "pks-save", "pks-print", "pks-share-open",
             "pks-export-open")
    tools = [page.locator(f"#{name}").bounding_box() for name in names]
    bottom = max(b["y"] + b["height"] for b in tools)
    for control in (".leaflet-control-zoom", ".leaflet-control-layers"):
        assert page.locator(control).bounding_box()["y"] >= bottom, control
    assert all(b["x"] >= 0 and b["x"] + b["width"] <= 390 for b in tools)
    page.screenshot(path=f"{SHOTS}/map-analyst-390.png")
    page.tap("#pks-export-open")
    assert page.locator("#pks-export-dialog [data-dataset=incidents]").is_visible()
    page.tap("#pks-export-dialog [data-close]")
    assert outside == [] and errors == []
    context.close()
