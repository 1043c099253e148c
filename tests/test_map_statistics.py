"""Statistical overlays on the map say one thing per colour (issue 19, item 2), in a real
Chromium on the demo data: a statistics layer (Gi*, LISA, the two-election comparison, emerging
hot spots) is opaque, so a "not significant" desa is the plain grey of its legend row whatever
the choropleth underneath says; only one of them is on at a time and the choropleth's legend is
put away meanwhile; every overlay (also clusters and heat) has a legend with all its classes and
their counts, which add up to the areas drawn and agree with the API."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from PIL import Image

from pks_geo.cli import main
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background

SHOTS = Path("/tmp/shots")
NONE_GREY = (247, 247, 247)  # "#f7f7f7": not significant / no pattern / no change


@pytest.fixture(scope="module")
def server(database_factory) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from pks_geo import schema
    from pks_geo.db import get_engine

    url = database_factory.create()
    schema.upgrade(get_engine(url))
    result = CliRunner().invoke(main, ["demo"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    with serve_in_background(create_app({"DATABASE_URL": url, "TESTING": True})) as base:
        yield base


def _open(browser, server: str, query: str, width: int = 1366, height: int = 850):  # type: ignore[no-untyped-def]
    phone = width < 600
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    seen: dict[str, list[str]] = {"errors": [], "outside": []}
    host = urlparse(server).netloc
    page.on("console", lambda m: seen["errors"].append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))
    page.on("request", lambda r: seen["outside"].append(r.url) if urlparse(r.url).netloc not in (host, "")
            and not r.url.startswith("data:") else None)
    page.goto(server + query)
    page.wait_for_selector("body[data-ready='true']", timeout=60000)
    return context, page, seen


def _switch_on(page, label: str, name: str, phone: bool = False) -> None:  # type: ignore[no-untyped-def]
    toggle = page.locator(".leaflet-control-layers-toggle")
    if toggle.is_visible():
        toggle.tap() if phone else toggle.hover()
    page.locator(".leaflet-control-layers label", has_text=label).locator("input").check()
    page.wait_for_selector(f"body[data-layer{name}='ready']", timeout=120000)


def _legend(page, name: str) -> dict[str, tuple[str, int]]:  # type: ignore[no-untyped-def]
    """bin -> (label, count) of a layer's legend."""
    rows = page.eval_on_selector_all(
        f".pks-stat-legend[data-layer='{name}'] .pks-legend-row",
        "els => els.map(e => [e.dataset.bin, e.querySelector('span').textContent, "
        "(e.querySelector('.pks-count') || {}).textContent || ''])")
    return {b: (label, int(count.replace(".", "")) if count else -1) for b, label, count in rows}


def _fills(page, name: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(
        f"path[data-layer='{name}']",
        "els => els.map(e => [e.dataset.kode, e.getAttribute('fill'), e.getAttribute('fill-opacity')])")


def _api(page, path: str) -> dict:  # type: ignore[type-arg]
    return page.evaluate(f"fetch({path!r}).then(r => r.json())")


def _pixel(page, x: float, y: float) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    png = page.screenshot(clip={"x": x - 1, "y": y - 1, "width": 3, "height": 3})
    return Image.open(io.BytesIO(png)).convert("RGB").getpixel((1, 1))


FIND_PLAIN = """() => {
  const out = [];
  for (const el of document.querySelectorAll("path[data-layer='hotspots'][data-gi-bin='0']")) {
    const b = el.getBoundingClientRect();
    if (b.width < 14 || b.height < 14) continue;
    const x = b.x + b.width / 2, y = b.y + b.height / 2;
    if (document.elementFromPoint(x, y) !== el) continue;
    const under = document.querySelector(
      `path[data-level='choropleth-desa'][data-kode='${el.dataset.kode}']`);
    const fill = under && under.getAttribute('fill');
    if (!fill || fill.toLowerCase() === '#f7f7f7' || fill.toLowerCase() === '#ffffff') continue;
    out.push({kode: el.dataset.kode, x, y, under: fill});
  }
  return out;
}"""


def test_gi_star_not_significant_is_plain_grey_over_a_coloured_choropleth(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, server, "/?level=desa")
    assert page.locator("[data-testid='legend']").is_visible()  # the choropleth's legend, before
    _switch_on(page, "Titik panas (Gi*)", "hotspots")
    fills = _fills(page, "hotspots")
    assert len(fills) == 351 and {o for _, _, o in fills} == {"1"}  # opaque
    page.mouse.move(5, 640)  # no tooltip over the map
    plain = page.evaluate(FIND_PLAIN)
    assert len(plain) >= 5, plain  # not-significant desa over coloured choropleth classes
    for spot in plain[:5]:
        assert _pixel(page, spot["x"], spot["y"]) == NONE_GREY, spot  # no tint from the choropleth
    assert not page.locator("[data-testid='legend']").is_visible()  # covered, so put away
    legend = _legend(page, "hotspots")
    assert list(legend) == ["3", "2", "1", "0", "-1", "-2", "-3"]
    assert legend["0"][0] == "Tidak signifikan"
    assert sum(c for _, c in legend.values()) == 351
    drawn = Counter(page.eval_on_selector_all("path[data-layer='hotspots']",
                                              "els => els.map(e => e.dataset.giBin)"))
    assert all(legend[b][1] == drawn.get(b, 0) for b in legend), (legend, drawn)
    page.screenshot(path=str(SHOTS / "stat-gi-1366.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_lisa_replaces_gi_star_and_counts_its_quadrants(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, server, "/?level=desa")
    _switch_on(page, "Titik panas (Gi*)", "hotspots")
    _switch_on(page, "Klaster LISA", "lisa")
    page.wait_for_function("() => !document.querySelector(\"path[data-layer='hotspots']\")")
    gi_box = page.locator(".leaflet-control-layers label", has_text="Titik panas (Gi*)").locator("input")
    assert not gi_box.is_checked()  # one statistics layer at a time, and the list shows it
    assert page.locator(".pks-stat-legend").count() == 1
    api = _api(page, "/api/v1/hotspots?level=desa&method=lisa")
    expected = Counter(f["properties"]["lisa_cluster"] for f in api["features"])
    legend = _legend(page, "lisa")
    assert list(legend) == ["HH", "HL", "LH", "LL", "ns"]
    assert {b: c for b, (_, c) in legend.items() if c} == dict(expected)
    assert expected["HH"] > 0 and legend["ns"][0] == "Tidak signifikan"
    fills = _fills(page, "lisa")
    assert {o for _, _, o in fills} == {"1"}
    assert Counter(f.lower() for _, f, _ in fills)["#f7f7f7"] == expected["ns"]
    page.screenshot(path=str(SHOTS / "stat-lisa-1366.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_two_elections_compared_on_the_map(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, server, "/?level=desa")
    toggle = page.locator(".leaflet-control-layers label", has_text="Perbandingan dua pemilihan")
    toggle.locator("input").check()
    page.wait_for_selector("body[data-layercompare='needs']")
    note = page.locator("[data-testid='layer-error'][data-layer='compare']").inner_text()
    assert note.startswith("Perbandingan dua pemilihan (Gi*): pilih satu Pemilihan di filter")
    page.select_option("select[name='election']", "pemilu-2019")
    page.wait_for_selector("body[data-layercompare='ready']", timeout=120000)
    assert page.locator("[data-testid='layer-error'][data-layer='compare']").count() == 0
    api = _api(page, "/api/v1/emerging/compare?level=desa&election=pemilu-2019")
    expected = Counter(f["properties"]["change"] for f in api["features"])
    legend = _legend(page, "compare")
    assert len(legend) == 9 and legend["none"][0] == "Tidak signifikan di keduanya"
    assert {b: c for b, (_, c) in legend.items() if c} == dict(expected)
    assert sum(c for _, c in legend.values()) == 351
    summary = page.locator("[data-testid='compare-summary']").inner_text()
    assert "2019" in summary and "dibanding" in summary and "2018" in summary  # previous: Pilgub 2018
    page.screenshot(path=str(SHOTS / "stat-compare-1366.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_emerging_clusters_and_heat_have_full_legends(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, server, "/?level=desa")
    _switch_on(page, "Pola titik panas baru", "emerging")
    legend = _legend(page, "emerging")
    assert legend["no_pattern"][0] == "Tanpa pola"
    assert sum(c for _, c in legend.values() if c > 0) == 351
    api = _api(page, "/api/v1/emerging?level=desa&window=month")
    no_pattern = sum(f["properties"]["category"] == "no_pattern" for f in api["features"])
    assert legend["no_pattern"][1] == no_pattern
    _switch_on(page, "Klaster insiden", "clusters")
    clusters = _api(page, "/api/v1/clusters?eps_m=1000&min_points=5")
    legend = _legend(page, "clusters")
    drawn = page.locator("path[data-layer='clusters']").count()
    assert legend["cluster"][1] == clusters["n_clusters"] == drawn
    assert legend["clustered"][1] == clusters["n_clustered"] and legend["noise"][1] == clusters["n_noise"]
    _switch_on(page, "Permukaan kepadatan", "heat")
    legend = _legend(page, "heat")
    assert legend and all(label.startswith("Kepadatan ") and label.endswith("insiden/km²")
                          for label, _ in legend.values())
    assert sum(c for _, c in legend.values()) == page.locator("path[data-layer='heat']").count()
    assert "," in "".join(label for label, _ in legend.values())  # Indonesian decimals
    page.screenshot(path=str(SHOTS / "stat-legends-1366.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_statistics_legend_on_a_phone(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    context, page, seen = _open(browser, server, "/?level=desa&lang=en", 390, 844)
    _switch_on(page, "LISA clusters", "lisa", phone=True)
    legend = page.locator(".pks-stat-legend[data-layer='lisa']")
    box = legend.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    assert "Not significant" in legend.inner_text() and "High–high (hot cluster)" in legend.inner_text()
    page.screenshot(path=str(SHOTS / "stat-lisa-390.png"))
    assert page.evaluate("document.documentElement.lang") == "en"
    _switch_on(page, "Incident clusters", "clusters", phone=True)
    clusters = page.locator(".pks-stat-legend[data-layer='clusters']").inner_text()
    assert "within 1,000 m" in clusters  # English number format on an English page
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_legends_stay_clear_of_the_layer_list(browser, server: str) -> None:  # type: ignore[no-untyped-def]
    """With a statistics layer and the clusters on at 1366x850, the legend column does not run
    under the open layer list: the taller legend scrolls in a shorter box instead."""
    context, page, seen = _open(browser, server, "/?level=desa&election=pemilu-2019")
    _switch_on(page, "Perbandingan dua pemilihan", "compare")
    _switch_on(page, "Klaster insiden", "clusters")
    page.wait_for_timeout(300)
    layer_list = page.locator(".leaflet-control-layers").bounding_box()
    for legend in page.locator(".pks-stat-legend").all():
        box = legend.bounding_box()
        assert box["y"] >= layer_list["y"] + layer_list["height"], (box, layer_list)
    compare = page.locator(".pks-stat-legend[data-layer='compare']")
    assert compare.evaluate("e => e.scrollHeight > e.clientHeight")  # all rows still there, scrolling
    assert compare.locator(".pks-legend-row").count() == 9
    page.screenshot(path=str(SHOTS / "stat-two-legends-1366.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()
