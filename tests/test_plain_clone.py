"""A plain clone runs its own demo: nothing at run time needs ``../shared/`` (issue 16).

The tracked files of this checkout are copied into a temporary folder with nothing beside it,
and that copy's ``pks-geo demo`` sets up an empty database: boundaries from its own
``data/boundaries``, elections, demo incidents and TPS."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from pks_geo.config import PROJECT_ROOT


def test_a_copy_of_the_repository_alone_loads_the_demo(empty_engine: Engine, tmp_path: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    clone = tmp_path / "alone" / "pks-geo"
    for name in tracked:
        source = PROJECT_ROOT / name
        if source.is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    assert not (clone.parent.parent / "shared").exists() and not (clone.parent / "shared").exists()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PKS_GEO_")}
    env.update(PKS_GEO_DATABASE_URL=empty_engine.url.render_as_string(hide_password=False),
               PYTHONPATH=str(clone))
    code = (f"import pks_geo; assert pks_geo.__file__.startswith({str(clone)!r}), pks_geo.__file__\n"
            "from pks_geo.cli import main; main()")
    result = subprocess.run([sys.executable, "-c", code, "demo"], cwd=clone, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "demo ready" in result.stdout
    with empty_engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT level, count(*) FROM admin_area GROUP BY level")).all())
        incidents = conn.execute(text("SELECT count(*) FROM incident WHERE source = 'contoh'")).scalar()
    assert counts == {"kabupaten": 1, "kecamatan": 25, "desa": 351}
    assert incidents > 0


def test_demo_sets_up_another_kabupaten_end_to_end(empty_engine: Engine) -> None:
    """Any kabupaten/kota: Kota Kendari (74.71) from the upstream layout (the shared offline
    mirror here), its own demo data, and the pages name it (issue 16)."""
    from click.testing import CliRunner

    from pks_geo.cli import main
    from pks_geo.web import create_app
    from tests.conftest import SHARED_BOUNDARIES

    url = empty_engine.url.render_as_string(hide_password=False)
    mirror = str(SHARED_BOUNDARIES / "source")
    result = CliRunner().invoke(main, ["demo", "--region", "74.71", "--source", mirror],
                                env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert "demo ready: Kota Kendari" in result.output
    with empty_engine.connect() as conn:
        levels = dict(conn.execute(text("SELECT level, count(*) FROM admin_area GROUP BY level")).all())
        outside = conn.execute(text("SELECT count(*) FROM incident WHERE source = 'contoh' "
                                    "AND desa_kode NOT LIKE '74.71.%'")).scalar()
        inside = conn.execute(text("SELECT count(*) FROM incident WHERE source = 'contoh'")).scalar()
    assert levels.get("kecamatan", 0) >= 10 and levels.get("desa", 0) >= 60 and "kabupaten" in levels
    assert inside > 0 and outside == 0
    page = create_app({"DATABASE_URL": url, "TESTING": True}).test_client().get("/").get_data(as_text=True)
    assert '<span class="pks-bar-region" id="pks-region">Kota Kendari</span>' in page  # the header names it
    exported = create_app({"DATABASE_URL": url, "TESTING": True}).test_client().get(
        "/api/v1/export/choropleth.geojson?level=desa").get_json()
    assert exported["metadata"]["region"] == "Kota Kendari"  # and so do the exports
    assert "Tim Terpadu Penanganan Konflik Sosial Kota Kendari" in exported["metadata"]["sources"][0]


def test_region_is_named_from_the_data_or_the_setting(loaded: Engine) -> None:
    from pks_geo.config import ConfigError, Settings
    from pks_geo.queries.region import display_name, region_name

    assert region_name(loaded) == "Kabupaten Konawe Selatan"
    assert region_name(loaded, "74.05") == "Kabupaten Konawe Selatan"
    assert region_name(loaded, "74.71") is None  # not loaded here
    assert display_name("Kendari", "74.71", None) == "Kota Kendari"
    assert display_name("Konawe Selatan", "74.05", "kabupaten") == "Kabupaten Konawe Selatan"
    assert Settings.from_env({"PKS_GEO_REGION": "74.71"}).region == "74.71"
    with pytest.raises(ConfigError, match="PKS_GEO_REGION"):
        Settings.from_env({"PKS_GEO_REGION": "Konawe"})


def test_several_kabupaten_are_named_by_the_setting_never_by_a_fixed_name(empty_engine: Engine) -> None:
    """Konawe Selatan (shipped) and Kota Kendari (the shared mirror) loaded together: without
    PKS_GEO_REGION the header says how many are loaded, with it names the chosen one; with
    nothing loaded it says so instead of naming Konawe Selatan."""
    from pks_geo.ingest.boundary_load import fetch_and_load, load_boundary_paths
    from pks_geo.manifest import load_manifest
    from pks_geo.queries.region import region_name
    from pks_geo.web import create_app
    from tests.conftest import KS_BOUNDARIES, SHARED_BOUNDARIES

    url = empty_engine.url.render_as_string(hide_password=False)
    header = '<span class="pks-bar-region" id="pks-region">{}</span>'
    page = create_app({"DATABASE_URL": url, "TESTING": True}).test_client().get("/login")
    assert header.format("Batas wilayah belum dimuat") in page.get_data(as_text=True)
    load_boundary_paths(empty_engine, load_manifest().boundary_paths(KS_BOUNDARIES), progress=False)
    fetch_and_load(empty_engine, "74.71", str(SHARED_BOUNDARIES / "source"), progress=False)
    assert region_name(empty_engine) == "2 kabupaten/kota"
    assert region_name(empty_engine, "74.71") == "Kota Kendari"
    assert region_name(empty_engine, "74.05") == "Kabupaten Konawe Selatan"
