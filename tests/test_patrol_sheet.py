"""Printable patrol-sector sheets per Polsek (issue 14, item 1): from the Rencana Pengamanan
download menu a planner gets one PDF per Polsek with, per sector, its map and the ordered stop
list (TPS codes, addresses, distances, minutes); the parameters of the page carry over; the
print is audited; anonymous visitors get nothing. Real Chromium, real PostGIS."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pypdf
import pytest
from sqlalchemy import text

from pks_geo.maps.patrol_sheet import SheetData, desa_context, sheet_pages
from pks_geo.maps.static import _render_lock
from pks_geo.web.i18n import translations
from tests.page_support import SHOTS, PagesDb, election_pages_db, open_as, served, shot

ADDRESS = "Jl. Poros Tinanggea No. 7"


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    pages = election_pages_db(database_factory, ks_boundary_paths, tps_per_desa=2)
    with pages.engine.begin() as conn:  # addresses for a few TPS, as a TPS list carries them
        conn.execute(text("UPDATE polling_site SET alamat = :a WHERE no_tps = 1"), {"a": ADDRESS})
    return pages


@pytest.fixture(scope="module")
def base(db: PagesDb) -> Iterator[str]:
    with served(db) as url:
        yield url


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(path.read_bytes()))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def test_planner_prints_the_sector_sheet_of_a_polsek(browser, base: str, db: PagesDb, tmp_path) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer", accept_downloads=True)
    page.goto(base + "/")
    page.click("#nav-security")
    page.fill("#sec-max_tps", "6")
    with page.expect_navigation():
        page.click("#sec-election-form button[type=submit]")
    links = page.locator("#sec-sheets a.sec-sheet")
    assert links.count() == 1  # the 40 synthetic TPS are all in one Polsek
    label = links.first.inner_text()
    polsek = label.removesuffix(" (PDF)")
    assert label.startswith("Polsek ") and label.endswith(" (PDF)")
    assert "Cetak lembar sektor" in page.inner_text("#sec-sheets")
    assert "max_tps=6" in (links.first.get_attribute("href") or "")
    sectors = page.locator("#sec-sectors tbody tr").count()
    with page.expect_download() as info:
        links.first.click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name == "rencana-patroli_pilkada-2020_" + polsek.lower().replace(" ", "-") + ".pdf"
    assert path.read_bytes()[:5] == b"%PDF-"
    # the menu said it was working and then what it saved
    page.wait_for_function("() => document.querySelector('#sec-dl-status').textContent.includes('Selesai')")
    assert path.name in page.inner_text("#sec-dl-status")
    assert page.get_attribute("#sec-downloads", "aria-busy") == "false"
    page.locator("#sec-downloads").scroll_into_view_if_needed()
    shot(page, "rencana_downloads_desktop")
    pages, body = _pdf_text(path)
    assert pages == sectors >= 7  # one page per sector (40 TPS, at most 6 each)
    assert polsek in body and "Lembar Sektor Patroli" in body
    with db.engine.connect() as conn:
        codes = conn.execute(text("SELECT kode_tps FROM polling_site")).scalars().all()
        audit = conn.execute(text("SELECT actor, after->>'polsek', after->'parameters'->>'max_tps' "
                                  "FROM audit_event WHERE entity_id = 'patrol-sheet.pdf'")).all()
    flat = body.replace("\n", " ")
    assert len(codes) == 40 and all(code in flat for code in codes), [c for c in codes if c not in flat]
    assert ADDRESS in flat and "Kembali ke pos" in flat and "Tiba (mnt)" in flat
    assert [(a, m) for a, _, m in audit] == [("vina", "6")]
    # a file the server refuses is said in one sentence, not downloaded as an error page
    links.first.evaluate("a => a.href = a.href.replace('max_tps=6', 'max_tps=0')")
    links.first.click()
    page.wait_for_selector("#sec-dl-status.pks-error")
    assert "periksa parameter" in page.inner_text("#sec-dl-status")
    assert not [e for e in watch.errors if "400" not in e], watch.errors  # the refused fetch only


def test_sheet_in_english_and_refusals(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_as(browser, base, "viewer")
    page.goto(base + "/rencana?lang=en")
    href = page.get_attribute("#sec-sheets a.sec-sheet", "href") or ""
    assert "lang=en" in href and "Print the patrol-sector sheets" in page.inner_text("#sec-sheets")
    response = page.request.get(base + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.body()))
    assert "Patrol-sector sheet" in reader.pages[0].extract_text()
    polsek = href.split("/rencana/sektor/")[1].split(".pdf")[0]
    bad = page.request.get(f"{base}/rencana/sektor/{polsek}.pdf?max_tps=0")
    assert bad.status == 400 and bad.json()["parameter"] == "max_tps"
    unknown = page.request.get(f"{base}/rencana/sektor/no-such-polsek.pdf")
    assert unknown.status == 400 and unknown.json()["parameter"] == "polsek"
    anonymous, _ = open_as(browser, base, None)
    refused = anonymous.request.get(f"{base}/rencana/sektor/{polsek}.pdf", max_redirects=0)
    assert refused.status in (302, 401)


def test_sheet_page_looks_right(db: PagesDb) -> None:
    """The first page as PNG for a person to look at (SHOTS/patrol_sheet_page1.png): the map
    has ink (desa, route, stops) and the renderer keeps to the PDF's page count."""
    from pks_geo.planning.land_routes import land_grid
    from pks_geo.planning.patrol import check_config, plan_sectors
    from pks_geo.planning.risk import compute_risk
    from pks_geo.planning.security_data import load_security_data

    security = load_security_data()
    result = compute_risk(db.engine, "pilkada-2020", data=security)
    plan = plan_sectors(result.items, security, security.patrol, "pilkada-2020", None, land_grid(db.engine))
    polsek = plan.sectors[0].polsek
    sectors = [s for s in plan.sectors if s.polsek == polsek]
    data = SheetData(polsek_nama=sectors[0].polsek_nama, election_name=result.election.name, sectors=sectors,
                     config=security.patrol, addresses={t.kode_tps: t.alamat for t in result.items},
                     texts=translations("id"), lang="id", marking="TERBATAS", region="Konawe Selatan")
    desa = desa_context(db.engine, sectors)
    assert not desa.empty
    SHOTS.mkdir(parents=True, exist_ok=True)
    with _render_lock:
        figures = list(sheet_pages(data, desa))
        figures[0].savefig(SHOTS / "patrol_sheet_page1.png", dpi=110)
    assert len(figures) == len(sectors)
    said = " ".join(t.get_text() for t in figures[0].texts).replace("\n", " ")
    assert "garis rute \u00d7 1,4" in said and "jaringan jalan yang dimuat" not in said
    with _render_lock:  # along a loaded road network the page says so instead
        road = next(sheet_pages(replace(data, routing="road"), desa))
    said = " ".join(t.get_text() for t in road.texts).replace("\n", " ")
    assert "rute mengikuti jaringan jalan yang dimuat" in said and "garis rute \u00d7" not in said
    # one sector of all 40 TPS: its list goes on over a second page, with the header repeated
    config = check_config(security.patrol, {"max_tps": "200", "max_km": "200"})
    whole = plan_sectors(result.items, security, config, "pilkada-2020", None, land_grid(db.engine)).sectors
    assert len(whole) == 1 and len(whole[0].stops) == 40
    long = replace(data, sectors=whole, config=config)
    with _render_lock:
        figures = list(sheet_pages(long, desa_context(db.engine, whole)))
        figures[1].savefig(SHOTS / "patrol_sheet_page2.png", dpi=110)
    assert len(figures) == 2
    texts = [t.get_text() for t in figures[1].texts]
    assert any("(lanjutan)" in t for t in texts) and any("Kembali ke pos" in t for t in texts)
