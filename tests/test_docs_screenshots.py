"""The user guides' screenshots (issue 17): the suite's own headless Chromium opens the main pages
on the demo data (Konawe Selatan, synthetic incidents and TPS of source ``contoh``) at 1366×850 and
on a phone (390×844), as the role a planner would use, and writes them to ``docs/img/`` as small
JPEG files; then every image the guides show must exist and every file in ``docs/img/`` must be shown
by a document. The suite writes the screenshots to ``$PKS_GEO_SHOTS/docs`` (default /tmp/shots/docs)
and checks that each has its committed image, so a test run never dirties the checkout; after a page
changes, refresh the guides' images with ``PKS_GEO_DOCS_SHOTS=1 .venv/bin/python -m pytest
tests/test_docs_screenshots.py``, look at them, and commit them."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from pks_geo.auth.users import add_user
from pks_geo.cli import main
from pks_geo.config import PROJECT_ROOT, Settings
from pks_geo.db import get_engine
from pks_geo.maps.embed import issue_token
from pks_geo.maps.views import create_view
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background

DOCS = PROJECT_ROOT / "docs"
IMG = DOCS / "img"
REFRESH = os.environ.get("PKS_GEO_DOCS_SHOTS") == "1"
OUT = IMG if REFRESH else Path(os.environ.get("PKS_GEO_SHOTS", "/tmp/shots")) / "docs"
"""Where the screenshots go: the guides' own folder only when refreshing them on purpose."""
GUIDES = ("user-guide.md", "panduan-pengguna.md")
INTRANET = "https://intranet.konaweselatankab.go.id"
SECRET_KEY = "docs-screenshots-secret-key-0123456789"
PASSWORD = "password-docs-123"
USERS = {"viewer": "vina", "analyst": "andi", "editor": "edo", "admin": "adm"}
DESKTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}
PLAN_ELECTION = "pilgub-sultra-2018"
JPEG_QUALITY = 62
MAX_TOTAL_BYTES = 3_000_000
BAD_ROWS = ("CONTOH-006;31/02/2024;bentrok;Contoh: tanggal yang tidak ada.;;;74.05.13.2002;;;;;Polsek;",
            "CONTOH-007;2024-11-25;keributan kecil;Contoh: kategori yang tidak dikenal.;;;74.05.13.2002;;;;;"
            "Polsek;")
"""Two rows the importer refuses (an impossible date, an unknown kategori): the check shows why."""


@dataclass(frozen=True)
class Site:
    base: str
    view_id: str
    embed_token: str


@pytest.fixture(scope="module")
def site(database_factory) -> Iterator[Site]:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    result = CliRunner().invoke(main, ["demo"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    engine = get_engine(url)
    with engine.begin() as conn:  # the security plan for four kecamatan: a plan of ~10,000 TPS is slow
        conn.execute(text(
            "DELETE FROM polling_site WHERE election_code = :e AND kecamatan_kode NOT IN (SELECT kode "
            "FROM admin_area WHERE level = 'kecamatan' AND nama IN ('Tinanggea', 'Lalembuu', 'Andoolo', "
            "'Palangga'))"), {"e": PLAN_ELECTION})
        assert conn.execute(text("SELECT count(*) FROM polling_site WHERE election_code = :e"),
                            {"e": PLAN_ELECTION}).scalar_one() > 50
    for role, name in USERS.items():
        add_user(engine, name, role, PASSWORD, actor="test")
    view = create_view(engine, {"title": "Insiden per desa, Pemilu 2019", "metric": "count",
                                "filters": {"level": "desa", "election": "pemilu-2019"},
                                "classification": {"scheme": "fisher_jenks", "k": 5}}, actor="andi")
    create_view(engine, {"title": "Insiden per 1.000 pemilih, per kecamatan", "metric": "per_1000_dpt",
                         "filters": {"level": "kecamatan"}}, actor="andi")
    token = issue_token(SECRET_KEY, view.id, 72).token
    app = create_app(Settings(database_url=url, secret_key=SECRET_KEY, secret_key_set=True,
                              frame_ancestors=("'self'", INTRANET)))
    with serve_in_background(app) as base:
        yield Site(base, view.id, token)


class Browser:
    """One logged-in page per (role, viewport, language), with the console errors and outside
    requests it saw (a screenshot of a broken page would teach the wrong thing)."""

    def __init__(self, browser, site: Site) -> None:  # type: ignore[no-untyped-def]
        self.browser, self.site = browser, site
        self.errors: list[str] = []
        self.outside: list[str] = []

    def open(self, role: str | None, viewport: dict[str, int] = DESKTOP):  # type: ignore[no-untyped-def]
        phone = viewport["width"] < 600
        context = self.browser.new_context(viewport=viewport, is_mobile=phone, has_touch=phone)
        page = context.new_page()
        host = urlparse(self.site.base).netloc
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("request", lambda r: self.outside.append(r.url) if urlparse(r.url).netloc not in (host, "")
                and not r.url.startswith(("data:", "blob:")) else None)
        if role is not None:
            page.goto(self.site.base + "/login")
            page.fill("#username", USERS[role])
            page.fill("#password", PASSWORD)
            with page.expect_navigation():
                page.click("main button[type=submit]")
        return page


def save(page, name: str) -> None:  # type: ignore[no-untyped-def]
    OUT.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # fades and transitions settle
    page.screenshot(path=str(OUT / name), type="jpeg", quality=JPEG_QUALITY)
    assert (IMG / name).is_file(), f"docs/img/{name} is not committed: refresh with PKS_GEO_DOCS_SHOTS=1"


HOT_BOXES_JS = ("els => els.filter(e => Number(e.dataset.giBin) >= 2).map(e => e.getBoundingClientRect())"
                ".filter(r => r.x + r.width / 2 > 360 && r.x + r.width / 2 < 1000)"
                ".map(r => ({x: r.x, y: r.y, width: r.width, height: r.height}))")
"""The hot desa (95 % and up) whose middle lies in the open part of the map (not under the panels)."""


def map_ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-ready='true']", timeout=60000)
    if page.locator("#pks-chart").is_visible():
        page.wait_for_selector("#pks-chart[data-ready='true']", timeout=30000)


def show_layer(page, label: str, phone: bool = False) -> None:  # type: ignore[no-untyped-def]
    toggle = page.locator(".leaflet-control-layers-toggle")
    if toggle.is_visible():
        toggle.tap() if phone else toggle.hover()
    page.locator(".leaflet-control-layers label", has_text=label).locator("input").check()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_map_screenshots(browser, site: Site, lang: str) -> None:  # type: ignore[no-untyped-def]
    """The map with its filters, the hot-spot layer with an area's panel, and the download menu."""
    shots = Browser(browser, site)
    suffix = "" if lang == "id" else "-en"
    page = shots.open("analyst")
    page.goto(f"{site.base}/peta?level=desa&election=pemilu-2019&lang={lang}")
    map_ready(page)
    assert page.locator("path[data-kode]").count() >= 351
    save(page, f"peta{suffix}.jpg")
    page.click("#pks-export-open")
    page.wait_for_selector("#pks-export-dialog[data-dataset]")
    save(page, f"peta-unduh{suffix}.jpg")

    page.goto(f"{site.base}/peta?level=desa&lang={lang}")
    map_ready(page)
    show_layer(page, "Titik panas (Gi*)" if lang == "id" else "Hot spots (Gi*)")
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=180000)
    page.mouse.move(700, 600)
    hot = page.eval_on_selector_all("path[data-layer='hotspots']", HOT_BOXES_JS)
    assert hot, "the demo data have hot spots"
    box = max(hot, key=lambda b: b["width"] * b["height"])
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # move the desa to where its popup opens clear of the panels, then click it
    page.evaluate("([dx, dy]) => window.PKSMap.map.panBy([dx, dy], {animate: false})", [x - 560, y - 615])
    page.wait_for_timeout(600)
    page.mouse.click(560, 615)
    page.locator("[data-testid='hotspot-explain']").wait_for(timeout=30000)
    page.mouse.move(700, 620)
    save(page, f"peta-titik-panas{suffix}.jpg")
    assert shots.errors == [] and shots.outside == [], (shots.errors, shots.outside)


def test_phone_screenshots(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    """A viewer's map and the security plan on a phone (390×844)."""
    shots = Browser(browser, site)
    page = shots.open("viewer", PHONE)
    page.goto(f"{site.base}/peta?level=desa")
    map_ready(page)
    save(page, "peta-ponsel.jpg")
    page.goto(f"{site.base}/rencana?election={PLAN_ELECTION}", timeout=180000)
    page.wait_for_selector("#sec-tps")
    save(page, "rencana-ponsel.jpg")
    assert shots.errors == [] and shots.outside == [], (shots.errors, shots.outside)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_page_screenshots(browser, site: Site, lang: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Briefing and its share dialog, Insiden, the incident form, a checked Impor upload and
    Rencana Pengamanan."""
    shots = Browser(browser, site)
    suffix = "" if lang == "id" else "-en"
    page = shots.open("analyst")
    page.goto(f"{site.base}/briefing?lang={lang}")
    page.wait_for_selector("body[data-ready='true']")
    page.wait_for_function("() => [...document.querySelectorAll('.pks-vcard img')].every("
                           "i => i.complete && i.naturalWidth > 0)", timeout=30000)
    save(page, f"briefing{suffix}.jpg")
    card = page.locator(f".pks-vcard[data-view='{site.view_id}']")
    card.locator("[data-action=share]").click()
    page.wait_for_selector("#pks-share-dialog[open]")
    page.fill("#pks-share-site", INTRANET + "/rapat")
    page.wait_for_selector("#pks-share-dialog[data-site-allowed='true']")
    page.click("#pks-share-make")
    page.wait_for_selector("#pks-share-result:not([hidden])")
    save(page, f"bagikan{suffix}.jpg")

    page.goto(f"{site.base}/insiden?lang={lang}")
    page.wait_for_selector("#inc-table tbody tr")
    save(page, f"insiden{suffix}.jpg")

    page = shots.open("editor")
    page.goto(f"{site.base}/insiden/baru?lang={lang}")
    page.wait_for_selector("#incident-map[data-ready='1']", timeout=60000)
    box = page.locator("#incident-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.45, box["y"] + box["height"] * 0.55)
    page.wait_for_timeout(1500)  # the desa under the click is looked up and named
    save(page, f"insiden-baru{suffix}.jpg")

    sheet = tmp_path / "insiden-desember.csv"
    example = (PROJECT_ROOT / "data" / "examples" / "contoh-insiden.csv").read_text(encoding="utf-8")
    sheet.write_text(example.rstrip("\n") + "\n" + "\n".join(BAD_ROWS) + "\n", encoding="utf-8")
    page.goto(f"{site.base}/impor?lang={lang}")
    page.click("#imp-kind-sheet")
    page.set_input_files("#imp-file", str(sheet))
    with page.expect_navigation():
        page.click("#imp-check")
    page.wait_for_selector("#imp-counts", timeout=120000)
    page.wait_for_function("() => document.getElementById('imp-map').dataset.ready === '1'")
    assert page.inner_text("#imp-n-rejected") == str(len(BAD_ROWS))
    save(page, f"impor{suffix}.jpg")

    page.goto(f"{site.base}/rencana?election={PLAN_ELECTION}&lang={lang}", timeout=180000)
    page.wait_for_selector("#sec-tps")
    save(page, f"rencana{suffix}.jpg")
    page.wait_for_selector("#sec-map[data-ready='1']", timeout=60000)
    page.locator("#sec-sectors .sec-show-map").first.click()  # zooms the map to the first sector
    page.evaluate("() => window.scrollTo(0, "
                  "document.getElementById('sec-map-box').getBoundingClientRect().top + window.scrollY - 10)")
    page.wait_for_timeout(1200)  # the flight to the sector
    save(page, f"rencana-peta{suffix}.jpg")
    page.locator("#sec-tps tbody tr details summary").first.click()
    page.evaluate("() => window.scrollTo(0, document.getElementById('sec-tps').getBoundingClientRect().top"
                  " + window.scrollY - 150)")  # with the sort and filter controls above the table
    save(page, f"rencana-tps{suffix}.jpg")
    assert shots.errors == [] and shots.outside == [], (shots.errors, shots.outside)


def test_embed_screenshot(browser, site: Site) -> None:  # type: ignore[no-untyped-def]
    """What a partner site shows in its iframe: the view alone, aggregates only."""
    shots = Browser(browser, site)
    page = shots.open(None, {"width": 900, "height": 600})
    page.goto(f"{site.base}/embed/{site.view_id}?token={site.embed_token}")
    page.wait_for_selector("[data-ready='true']", timeout=60000)
    save(page, "sematan.jpg")
    assert shots.errors == [] and shots.outside == [], (shots.errors, shots.outside)


IMAGE_LINK = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def _shown(document: str) -> set[str]:
    return set(IMAGE_LINK.findall((DOCS / document).read_text()))


def test_every_image_of_the_guides_exists_and_every_image_is_shown() -> None:
    """Runs after the screenshots (file order): each image a guide shows is in docs/img/, each file
    there is shown by some document, and together they stay small enough for the repository."""
    shown = set().union(*(_shown(doc) for doc in GUIDES))
    assert shown, "the guides show no screenshots"
    missing = sorted(link for link in shown if not (DOCS / link).is_file())
    assert missing == []
    used = set().union(*(_shown(doc.name) for doc in DOCS.glob("*.md")))
    readme = set(IMAGE_LINK.findall((PROJECT_ROOT / "README.md").read_text()))
    used |= {link.removeprefix("docs/") for link in readme}
    unused = sorted(f"img/{path.name}" for path in IMG.iterdir() if f"img/{path.name}" not in used)
    assert unused == []
    assert sum(path.stat().st_size for path in IMG.iterdir()) < MAX_TOTAL_BYTES
