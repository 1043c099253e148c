"""The hot-spot layer in a real Chromium, as a planner uses it (issue 12): on the demo data
plus a planted cluster of 8 adjoining desa, switching on "Titik panas (Gi*)" colours those
desa, the legend counts them under a one-line summary, and clicking a desa explains it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine

from pks_geo.cli import main
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.hotspot_data import insert_counts, ks_desa_weights
from tests.test_hotspot_defaults import adjoining

SHOTS = Path(__file__).parent / "screenshots"
PLANT_SEED = "74.05.01.2014"
HOT_COLOURS = {"#b2182b", "#ef8a62"}


@pytest.fixture(scope="module")
def demo_with_cluster(database_factory) -> tuple[Engine, set[str]]:  # type: ignore[no-untyped-def]
    from pks_geo import schema
    from pks_geo.db import get_engine

    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["demo"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    members = adjoining(ks_desa_weights(), PLANT_SEED, 8)
    insert_counts(engine, {k: 25 for k in members}, date(2019, 4, 10), seed=3)  # demo: ~30 in its 6
    return engine, members


@pytest.fixture(scope="module")
def server(demo_with_cluster) -> Iterator[str]:  # type: ignore[no-untyped-def]
    engine, _ = demo_with_cluster
    url = engine.url.render_as_string(hide_password=False)
    with serve_in_background(create_app({"DATABASE_URL": url, "TESTING": True})) as base:
        yield base


def _watch(page, server: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    outside: list[str] = []
    host = urlparse(server).netloc
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc not in (host, "")
            and not r.url.startswith("data:") else None)
    return errors, outside


BINS_JS = ("els => Object.fromEntries(els.map("
           "e => [e.dataset.kode, [e.dataset.giBin, e.getAttribute('fill')]]))")


@pytest.mark.parametrize(("width", "height"), [(1366, 850), (390, 844)])
def test_the_hot_spot_layer_colours_counts_and_explains_the_cluster(  # type: ignore[no-untyped-def]
        browser, server, demo_with_cluster, width, height) -> None:
    _, members = demo_with_cluster
    SHOTS.mkdir(exist_ok=True)
    phone = width < 600  # a phone is a touch screen: Leaflet opens the layer list on a tap
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    errors, outside = _watch(page, server)
    page.goto(server + "/?level=desa")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    toggle = page.locator(".leaflet-control-layers-toggle")
    if toggle.is_visible():
        toggle.tap() if phone else toggle.hover()
    page.locator(".leaflet-control-layers label", has_text="Titik panas (Gi*)").locator("input").check()
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=90000)
    bins = page.eval_on_selector_all("path[data-layer='hotspots']", BINS_JS)
    hot = {k for k, (b, _) in bins.items() if int(b) >= 2}
    assert len(members - hot) <= 1, sorted(members - hot)
    assert all(bins[k][1] in HOT_COLOURS for k in members & hot)
    legend = page.locator("[data-testid='hotspot-legend']")
    summary = legend.locator("[data-testid='hotspot-summary']").inner_text()
    counted = sum(int(legend.locator(f".pks-legend-row[data-bin='{b}'] .pks-count").inner_text())
                  for b in ("3", "2"))
    assert counted == len(hot) >= len(members) - 1
    assert summary.startswith("FDR 5 %: ") and f"{counted} desa titik panas" in summary
    page.screenshot(path=str(SHOTS / f"hotspot-legend-{width}.png"))
    if width < 600:  # on a phone the cluster lies under the panels; the legend is what counts
        assert errors == [] and outside == []
        context.close()
        return
    page.mouse.move(700, 400)
    box = page.locator(f"path[data-layer='hotspots'][data-kode='{PLANT_SEED}']").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    explain = page.locator("[data-testid='hotspot-explain']")
    explain.wait_for(timeout=10000)
    text = explain.inner_text()
    assert "p_fdr" in text and "Tetangga dan nilainya" in text and "Titik panas 9" in text
    assert "z positif" in text  # the rule, in one sentence
    page.mouse.move(width - 300, 600)  # away from the desa: its hover tooltip closes
    page.wait_for_timeout(500)  # the popup's fade-in
    page.screenshot(path=str(SHOTS / f"hotspot-explain-{width}.png"))
    assert errors == [] and outside == []
    context.close()
