"""``pks-geo demo``: the labelled synthetic dataset, loaded idempotently and removable alone."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.ingest.incident_load import import_incidents
from pks_geo.ingest.tps import import_tps
from tests.conftest import table_fingerprint
from tests.ingest_support import LAMBAKARA, LAMBAKARA_POINT, write_csv


@pytest.fixture(scope="module")
def demo_engine(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    """A database of its own, filled by the real command."""
    from pks_geo import schema
    from pks_geo.db import get_engine

    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    result = run(engine, "demo")
    assert result.exit_code == 0, result.output
    return engine


def run(engine: Engine, *args: str) -> Result:
    url = engine.url.render_as_string(hide_password=False)
    return CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})


def scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar_one()


def test_demo_incidents_are_labelled_clustered_and_timed(demo_engine: Engine) -> None:
    assert scalar(demo_engine, "SELECT count(*) FROM incident WHERE source = 'contoh'") == 360
    assert scalar(demo_engine, "SELECT count(*) FROM incident WHERE source <> 'contoh'") == 0
    assert scalar(demo_engine, "SELECT bool_and(description LIKE '[CONTOH]%' AND sumber LIKE '%(contoh)' "
                               "AND external_id LIKE 'contoh-%') FROM incident")
    assert scalar(demo_engine, "SELECT min(event_date) >= '2017-01-01' AND max(event_date) <= '2019-12-31' "
                               "FROM incident")
    assert scalar(demo_engine, "SELECT count(*) FROM incident WHERE desa_kode IS NULL") == 0
    desa_level = scalar(demo_engine, "SELECT count(*) FROM incident WHERE location_precision = 'desa'")
    assert 15 <= desa_level <= 60  # about one in ten is known only to its desa
    top6 = scalar(demo_engine, "SELECT sum(n) FROM (SELECT count(*) AS n FROM incident GROUP BY desa_kode "
                               "ORDER BY n DESC LIMIT 6) t")
    assert top6 > 0.4 * 360  # a few hotspot desa
    kinds = scalar(demo_engine, "SELECT count(DISTINCT kategori) FROM incident")
    assert kinds >= 9
    with demo_engine.connect() as conn:
        per_day = dict(conn.execute(text("""
            SELECT coalesce(i.stage, 'none'), count(*)::float / max(days) FROM incident i
            LEFT JOIN (SELECT stage, sum(end_date - start_date + 1) AS days FROM election_stage
                       WHERE election_code IN ('pilkades-2017', 'pilgub-sultra-2018', 'pemilu-2019')
                       GROUP BY stage) s ON s.stage = i.stage
            GROUP BY 1""")).all())
        window_days = conn.execute(text(
            "SELECT sum(end_date - start_date + 1) FROM election_stage WHERE election_code IN "
            "('pilkades-2017', 'pilgub-sultra-2018', 'pemilu-2019')")).scalar_one()
    per_day.pop("none")
    background = scalar(demo_engine, "SELECT count(*) FROM incident WHERE stage IS NULL") / (
        3 * 365 - window_days)
    assert per_day["masa_tenang"] > 5 * per_day["pendaftaran"] > 5 * background
    assert per_day["pemungutan_suara"] > per_day["kampanye"] > per_day["pasca"] / 2
    assert scalar(demo_engine, "SELECT count(*) FROM incident WHERE stage = 'masa_tenang' "
                               "AND kategori = 'politik_uang'") >= 10


def test_demo_tps_in_every_desa_with_plausible_dpt(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        rows = conn.execute(text("""
            SELECT p.election_code, count(*), count(DISTINCT p.desa_kode), min(p.dpt), max(p.dpt),
                   min(n), bool_and(ST_Covers(a.geom, p.geom)), bool_and(p.alamat LIKE 'CONTOH:%')
            FROM polling_site p JOIN admin_area a ON a.kode = p.desa_kode
            JOIN (SELECT election_code, desa_kode, count(*) AS n FROM polling_site
                  GROUP BY 1, 2) c USING (election_code, desa_kode)
            WHERE p.source = 'contoh' GROUP BY 1 ORDER BY 1""")).all()
    assert [r[0] for r in rows] == ["pemilu-2019", "pilgub-sultra-2018"]
    for _, count, desa, low, high, fewest, inside, labelled in rows:
        assert desa == 351 and fewest >= 2 and 700 < count < 2500
        assert 150 <= low and high <= 300 and inside and labelled
    assert scalar(demo_engine, "SELECT count(DISTINCT kategori_kerawanan) FROM polling_site") == 3


def test_demo_again_changes_nothing_and_remove_leaves_real_data(demo_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    real = write_csv(tmp_path / "real.csv", ["id", "tanggal", "kategori", "lat", "lon"],
                     [["R-1", "2019-04-16", "politik_uang", lat, lon]])
    assert import_incidents(demo_engine, real, source="polsek", progress=False).inserted == 1
    kode_tps = LAMBAKARA.replace(".", "") + "001"
    tps = write_csv(tmp_path / "tps.csv", ["kode_tps", "dpt"], [[kode_tps, "123"]])
    assert import_tps(demo_engine, tps, "pemilu-2019", progress=False).updated == 1  # replaces demo TPS
    tables = ("incident", "polling_site", "election_stage")
    before = [table_fingerprint(demo_engine, t) for t in tables]
    result = run(demo_engine, "demo")
    assert result.exit_code == 0, result.output
    assert "unchanged 360" in result.output
    assert [table_fingerprint(demo_engine, t) for t in tables] == before
    assert scalar(demo_engine, f"SELECT dpt FROM polling_site WHERE kode_tps = '{kode_tps}' "
                               "AND election_code = 'pemilu-2019'") == 123  # the real list kept
    result = run(demo_engine, "demo", "--remove")
    assert result.exit_code == 0 and "360 incidents" in result.output
    assert scalar(demo_engine, "SELECT count(*) FROM incident") == 1
    assert scalar(demo_engine, "SELECT count(*) FROM polling_site") == 1
    assert scalar(demo_engine, "SELECT count(*) FROM admin_area WHERE level = 'desa'") == 351
    assert scalar(demo_engine, "SELECT count(*) FROM election") >= 4
    result = run(demo_engine, "demo", "--remove")
    assert result.exit_code == 0 and "0 incidents and 0 TPS" in result.output
