"""The main map page (``/``) in headless Chromium: time until the choropleth is drawn.

Measured at kabupaten scale (Konawe Selatan, 351 desa: GeoJSON choropleth) and province scale
(Sulawesi Tenggara, 2,283 desa: above PKS_GEO_TILE_THRESHOLD, so vector tiles), each side by
side with a reference page in the same browser: a bare Leaflet page (served by the same app
through request interception) that fetches the same ``/api/v1/choropleth`` document and draws
it with ``L.geoJSON``. "Drawn" = the later of the page's ``pks-ready`` performance mark and the
end of its last network response (tiles included). Medians of fresh browser contexts,
alternating pages.

    .venv/bin/python bench/bench_page.py [--scale kabupaten province] [--repeat 5]
"""

from __future__ import annotations

import argparse
import shutil

from common import (
    SCALE_LEVEL,
    SCALES,
    Result,
    bench_database,
    live_server,
    median,
    print_table,
    write_results,
)
from sqlalchemy import Engine

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize

SYNTH = {"kabupaten": (20_000, 2_000), "province": (100_000, 10_000)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

REFERENCE_HTML = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/leaflet/leaflet.css"><script src="/vendor/leaflet/leaflet.js"></script>
<style>html,body,#m{height:100%;margin:0}</style></head><body><div id="m"></div><script>
const map = L.map("m", {preferCanvas: false}).setView([-4.2, 122.3], 9);
fetch("/api/v1/choropleth?level=LEVEL&metric=count&scheme=quantiles&k=5").then(r => r.json()).then(d => {
  const layer = L.geoJSON(d, {style: f => ({color: "#555", weight: 0.4, fillOpacity: 0.8,
    fillColor: f.properties.class === null ? "#d9d9d9" : d.legend.colors[f.properties.class]})}).addTo(map);
  map.fitBounds(layer.getBounds());
  performance.mark("pks-ready"); document.body.dataset.ready = "true";
});
</script></body></html>"""

DRAWN_JS = """() => Math.max(performance.getEntriesByName('pks-ready')[0].startTime,
  ...performance.getEntriesByType('resource').map(e => e.responseEnd))"""


def prepare(engine: Engine, scale: str) -> None:
    load_boundary_paths(engine, SCALES[scale], progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "data/elections.toml")
    incidents, tps = SYNTH[scale]
    synthesize(engine, incidents=incidents, tps=tps, seed=1)


def draw_ms(browser, url: str, reference_html: str | None = None) -> float:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        if reference_html is not None:
            page.route(url, lambda route: route.fulfill(body=reference_html, content_type="text/html"))
        page.goto(url)
        page.wait_for_selector("body[data-ready='true']", timeout=120_000)
        page.wait_for_load_state("networkidle")
        return float(page.evaluate(DRAWN_JS))
    finally:
        context.close()


def measure(scale: str, repeat: int) -> list[Result]:
    from playwright.sync_api import sync_playwright

    level = SCALE_LEVEL[scale]
    with bench_database(f"page_{scale}") as engine, live_server(engine) as base:
        prepare(engine, scale)
        ours_url = f"{base}/?level={level}&metric=count&scheme=quantiles&k=5"
        ref_url = f"{base}/__bench_reference"
        reference = REFERENCE_HTML.replace("LEVEL", level)
        executable = shutil.which("chromium") or "/usr/bin/chromium"
        times: dict[str, list[float]] = {"ours": [], "ref": []}
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            draw_ms(browser, ours_url)  # warm caches (geometry cache, numba, statistics)
            draw_ms(browser, ref_url, reference)
            for _ in range(repeat):
                times["ours"].append(draw_ms(browser, ours_url))
                times["ref"].append(draw_ms(browser, ref_url, reference))
            browser.close()
    ours, ref = median(times["ours"]), median(times["ref"])
    mode = "vector tiles" if scale == "province" else "GeoJSON"
    return [Result("P", scale, f"map page drawn ({level}, {mode})", ours, "ms",
                   "bare Leaflet page, same choropleth GeoJSON", ref, ref / ours, "report",
                   {"ours_ms": times["ours"], "reference_ms": times["ref"]})]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", nargs="+", default=["kabupaten", "province"], choices=list(SYNTH))
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    results = [r for scale in args.scale for r in measure(scale, args.repeat)]
    print_table(results)
    print(write_results(results, "bench_page", {"scales": args.scale, "repeat": args.repeat}))


if __name__ == "__main__":
    main()
