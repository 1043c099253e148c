"""Print maps: page size in pixels, a legend with ink where it is drawn, PDF pages, the atlas,
marking, language, roles and the CLI."""

from __future__ import annotations

import io
import re

import numpy as np
import pypdf
import pytest
from click.testing import CliRunner
from PIL import Image

from pks_geo.cli import main
from pks_geo.config import Settings
from pks_geo.maps.print_layout import LEGEND_BOX, MAP_BOX
from pks_geo.queries.areas import kecamatan_codes
from pks_geo.web import create_app
from tests.briefing_support import (
    SECRET_ACTOR,
    SECRET_DESCRIPTION,
    TEST_SECRET_KEY,
    BriefingDb,
    make_briefing_db,
)

A4_POINTS = (841.89, 595.28)


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


def _client(db: BriefingDb, **settings):  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=db.url, secret_key=TEST_SECRET_KEY, **settings))
    app.config.update(TESTING=True)
    return app.test_client()


@pytest.fixture(scope="module")
def client(db: BriefingDb):  # type: ignore[no-untyped-def]
    return _client(db)


@pytest.fixture(scope="module")
def desa_view(client, db: BriefingDb) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/views", headers=db.auth("analyst"), json={
        "title": "Politik uang per desa", "filters": {"level": "desa", "kategori": ["politik_uang"]},
        "classification": {"scheme": "quantiles", "k": 3}})
    assert response.status_code == 201, response.json
    return response.json["id"]


def _box_pixels(image: Image.Image, box: tuple[float, float, float, float]) -> np.ndarray:
    """The pixels inside a (left, bottom, width, height) figure-fraction box, as an RGB array."""
    width, height = image.size
    left, bottom, box_w, box_h = box
    crop = image.convert("RGB").crop((round(left * width), round((1 - bottom - box_h) * height),
                                      round((left + box_w) * width), round((1 - bottom) * height)))
    return np.asarray(crop)


def _has_color(pixels: np.ndarray, hex_color: str) -> bool:
    rgb = [int(hex_color[i:i + 2], 16) for i in (1, 3, 5)]
    return bool(np.any(np.all(pixels == rgb, axis=-1)))


def _pdf_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages]


@pytest.mark.parametrize(("paper", "dpi", "size"), [
    ("a4", 150, (1754, 1240)),
    ("a3", 150, (2480, 1754)),
    ("a4", 300, (3508, 2480)),
])
def test_png_has_the_paper_size_in_pixels(client, db: BriefingDb, paper, dpi, size) -> None:
    response = client.get(f"/maps/default.png?paper={paper}&dpi={dpi}", headers=db.auth("viewer"))
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.size == size
    assert image.info.get("dpi") and round(image.info["dpi"][0]) == dpi


def test_png_legend_region_holds_every_class_colour(client, db: BriefingDb) -> None:
    response = client.get("/maps/default.png?paper=a4&dpi=150", headers=db.auth("viewer"))
    image = Image.open(io.BytesIO(response.data))
    legend = client.get("/api/v1/choropleth?level=kecamatan&metric=count",
                        headers=db.auth("viewer")).json["legend"]
    assert legend["k"] >= 3  # the fixture data spread over several classes

    box = _box_pixels(image, LEGEND_BOX)
    gray = box.mean(axis=-1)
    assert gray.std() > 25, "legend region is blank"
    for color in legend["colors"][1:]:
        assert _has_color(box, color), f"legend swatch {color} missing"
    assert _has_color(box, legend["no_data"]["color"])  # the hatched no-data swatch

    # the map holds the same colours; the strip just below the legend frame is empty paper
    assert all(_has_color(_box_pixels(image, MAP_BOX), color) for color in legend["colors"][1:])
    below = _box_pixels(image, (LEGEND_BOX[0] + 0.01, LEGEND_BOX[1] - 0.03, LEGEND_BOX[2] - 0.02, 0.02))
    assert (below == 255).all()


def test_pdf_is_one_landscape_page_with_title_legend_marking_and_sources(client, db: BriefingDb,
                                                                        desa_view: str) -> None:
    # a viewer's print: desa of 1 or 2 incidents are one legend row "< 3 (disamarkan)"
    seen = pypdf.PdfReader(io.BytesIO(client.get(f"/maps/{desa_view}.pdf", headers=db.auth("viewer")).data))
    assert "< 3 (disamarkan)" in seen.pages[0].extract_text()
    response = client.get(f"/maps/{desa_view}.pdf", headers=db.auth("analyst"))  # exact classes
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f"pks-geo-{desa_view}-" in response.headers["Content-Disposition"]
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (round(A4_POINTS[0], 1),
                                                                         round(A4_POINTS[1], 1))
    text = reader.pages[0].extract_text()
    for expected in ("Politik uang per desa", "Jumlah insiden per desa/kelurahan", "Politik uang",
                     "TERBATAS", "Tidak ada data", "Kuantil", "Data per", "cahyadsn/wilayah_boundaries",
                     "Insiden: uji-briefing", "km", "U"):
        assert expected in text, expected
    assert SECRET_DESCRIPTION not in text and SECRET_ACTOR not in text
    assert reader.metadata.title == "Politik uang per desa"


def test_subtitle_says_what_was_filtered_and_the_print_speaks_one_language(
        client, db: BriefingDb, desa_view: str) -> None:  # type: ignore[no-untyped-def]
    filtered = " ".join(_pdf_text(client.get(f"/maps/{desa_view}.pdf", headers=db.auth("viewer")).data))
    assert "Periode" in filtered and "Semua data" not in filtered  # one kategori is not all data
    assert "Kabupaten Konawe Selatan" in filtered  # the print names its region, from the data
    assert "Warna: ColorBrewer" in filtered and "Colours" not in filtered
    # dates as the pages write them (17 Apr 2019), not 17-04-2019 (issue 19, item 3)
    id_day = r"\d{1,2} (Jan|Feb|Mar|Apr|Mei|Jun|Jul|Agu|Sep|Okt|Nov|Des) \d{4}"
    assert re.search(rf"Periode {id_day} s\.d\. ", filtered) and re.search(rf"Data per {id_day}", filtered)
    assert not re.search(r"\d{2}-\d{2}-\d{4}", filtered)
    unfiltered = " ".join(_pdf_text(client.get("/maps/default.pdf", headers=db.auth("viewer")).data))
    assert "Semua data" in unfiltered


def test_english_labels_with_lang_en(client, db: BriefingDb) -> None:
    response = client.get("/maps/default.pdf?lang=en", headers=db.auth("viewer"))
    text = _pdf_text(response.data)[0]
    for expected in ("Number of incidents per kecamatan", "Quantiles", "No data", "Data as of",
                     "Boundaries: cahyadsn/wilayah_boundaries (MIT licence)"):
        assert expected in text, expected
    assert "Jumlah insiden" not in text
    assert re.search(r"Data as of \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}", text)  # no ISO dates on a print


def test_atlas_has_one_page_per_kecamatan(client, db: BriefingDb, desa_view: str) -> None:
    response = client.get(f"/maps/{desa_view}/atlas.pdf?paper=a4", headers=db.auth("viewer"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    kecamatan = sorted(kecamatan_codes(db.engine).items())
    assert len(reader.pages) == len(kecamatan) == 25
    for number in (0, 12, 24):  # text extraction is slow: first, middle and last page
        kode, nama = kecamatan[number]
        text = reader.pages[number].extract_text()
        assert f"Kecamatan {nama} ({kode})" in text
        assert "TERBATAS" in text and "Politik uang per desa" in text
        assert f"Halaman {number + 1} dari 25" in text


def test_marking_is_configurable(db: BriefingDb) -> None:
    marked = _client(db, marking="RAHASIA").get("/maps/default.pdf", headers=db.auth("viewer"))
    text = _pdf_text(marked.data)[0]
    assert "RAHASIA" in text and "TERBATAS" not in text
    none = _pdf_text(_client(db, marking="").get("/maps/default.pdf", headers=db.auth("viewer")).data)[0]
    assert "TERBATAS" not in none and "RAHASIA" not in none


@pytest.mark.parametrize(("query", "parameter"), [
    ("paper=letter", "paper"), ("dpi=72", "dpi"), ("dpi=600", "dpi"), ("dpi=high", "dpi"),
])
def test_bad_print_options_are_refused(client, db: BriefingDb, query, parameter) -> None:
    response = client.get(f"/maps/default.png?{query}", headers=db.auth("viewer"))
    assert response.status_code == 400 and response.json["parameter"] == parameter


def test_unknown_view_is_404(client, db: BriefingDb) -> None:
    for suffix in (".png", ".pdf", "/atlas.pdf", ".html"):
        path = f"/maps/nosuchv1{suffix}"
        response = client.get(path, headers=db.auth("viewer"))
        assert response.status_code == 404 and response.json["parameter"] == "view"


def test_viewer_suffices_and_login_may_be_required(db: BriefingDb) -> None:
    closed = _client(db, anonymous_role=None)
    anonymous = closed.get("/maps/default.png")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert closed.get("/maps/default.png", headers=db.auth("viewer")).status_code == 200


def test_cli_prints_png_and_atlas(client, db: BriefingDb, tmp_path) -> None:
    runner = CliRunner()
    env = {"PKS_GEO_DATABASE_URL": db.url}
    png = tmp_path / "peta.png"
    result = runner.invoke(main, ["maps", "print", "default", "--format", "png", "--paper", "a3",
                                  "--dpi", "150", "-o", str(png)], env=env)
    assert result.exit_code == 0, result.output
    assert Image.open(png).size == (2480, 1754)

    one_kecamatan = client.post("/api/v1/views", headers=db.auth("analyst"), json={
        "title": "Andoolo", "filters": {"level": "desa", "within": "74.05.03"}}).json["id"]
    atlas = tmp_path / "atlas.pdf"
    result = runner.invoke(main, ["maps", "print", one_kecamatan, "--format", "pdf", "--atlas",
                                  "--lang", "en", "-o", str(atlas)], env=env)
    assert result.exit_code == 0, result.output
    pages = _pdf_text(atlas.read_bytes())
    assert len(pages) == 1 and "Kecamatan Andoolo (74.05.03)" in pages[0] and "Page 1 of 1" in pages[0]

    bad = runner.invoke(main, ["maps", "print", "nosuchv1", "-o", str(tmp_path / "x.png")], env=env)
    assert bad.exit_code == 1 and "no saved view" in bad.output
    assert not (tmp_path / "x.png").exists()
