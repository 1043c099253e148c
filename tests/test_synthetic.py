"""The synthetic generator (``pks-geo synth``): exactly N rows inside the asked area, election
tags, TPS numbering, determinism, refusal of bad input without changes, and removal."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.cli import main
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import SynthError, remove_synthetic, synthesize
from tests.conftest import SHARED_BOUNDARIES, table_fingerprint


@pytest.fixture(scope="module")
def ks(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    """A database of its own with Konawe Selatan and the election calendar."""
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "elections.toml")
    return engine


def scalar(engine: Engine, sql: str, **params: object) -> object:
    with engine.connect() as conn:
        return conn.execute(text(sql), params).scalar()


def test_exactly_n_incidents_inside_the_area(ks: Engine) -> None:
    result = synthesize(ks, incidents=5000, within="74.05.01", seed=1, source="synthetic-a")
    assert (result.incidents, result.incident_level, result.areas) == (5000, "desa", 24)
    assert scalar(ks, "SELECT count(*) FROM incident WHERE source = 'synthetic-a'") == 5000
    assert scalar(ks, "SELECT count(*) FROM incident WHERE source = 'synthetic-a' AND "
                      "(desa_kode NOT LIKE '74.05.01.%' OR kecamatan_kode <> '74.05.01')") == 0
    outside = scalar(ks, "SELECT count(*) FROM incident i JOIN admin_area a ON a.kode = i.desa_kode "
                         "WHERE i.source = 'synthetic-a' AND NOT ST_Covers(a.geom, i.geom)")
    assert outside == 0
    assert scalar(ks, "SELECT count(DISTINCT external_id) FROM incident WHERE source = 'synthetic-a'") == 5000
    # election and stage are those whose window holds the date, as the importers tag them
    assert scalar(ks, "SELECT count(*) FROM incident i WHERE source = 'synthetic-a' "
                      "AND election_code IS NOT NULL AND NOT EXISTS (SELECT 1 FROM election_stage s "
                      "WHERE s.election_code = i.election_code AND s.stage = i.stage "
                      "AND i.event_date BETWEEN s.start_date AND s.end_date)") == 0
    tagged = scalar(ks, "SELECT count(*) FROM incident WHERE source = 'synthetic-a' "
                        "AND election_code IS NOT NULL")
    assert 0 < tagged < 5000
    assert scalar(ks, "SELECT count(DISTINCT kategori) FROM incident WHERE source = 'synthetic-a'") == 11


def test_same_seed_same_share_per_desa(ks: Engine) -> None:
    synthesize(ks, incidents=800, within="74.05.02", seed=42, source="synthetic-s1")
    synthesize(ks, incidents=800, within="74.05.02", seed=42, source="synthetic-s2")
    per_desa = """SELECT desa_kode, count(*) FROM incident WHERE source = :s GROUP BY 1 ORDER BY 1"""
    with ks.connect() as conn:
        first = conn.execute(text(per_desa), {"s": "synthetic-s1"}).all()
        second = conn.execute(text(per_desa), {"s": "synthetic-s2"}).all()
    assert first == second and sum(n for _, n in first) == 800


def test_tps_numbering_continues_and_codes_are_kpu_codes(ks: Engine) -> None:
    synthesize(ks, tps=240, within="74.05.03", seed=2, source="synthetic-tps", election="pemilu-2019")
    synthesize(ks, tps=240, within="74.05.03", seed=3, source="synthetic-tps", election="pemilu-2019")
    with ks.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.kode_tps, p.no_tps, p.desa_kode, p.kecamatan_kode, ST_Covers(a.geom, p.geom) "
            "FROM polling_site p JOIN admin_area a ON a.kode = p.desa_kode "
            "WHERE p.source = 'synthetic-tps'")).all()
    assert len(rows) == 480 and len({r.kode_tps for r in rows}) == 480
    for kode_tps, no_tps, desa, kecamatan, inside in rows:
        assert kode_tps == desa.replace(".", "") + f"{no_tps:03d}" and kecamatan == "74.05.03" and inside
    per_desa = {}
    for r in rows:
        per_desa.setdefault(r.desa_kode, []).append(r.no_tps)
    assert all(sorted(nos) == list(range(1, len(nos) + 1)) for nos in per_desa.values())


def test_bad_input_changes_nothing(ks: Engine) -> None:
    before = table_fingerprint(ks, "incident"), table_fingerprint(ks, "polling_site")
    cases = [
        ({"incidents": 10, "source": "acled"}, "--source"),
        ({"incidents": 10, "within": "74.99"}, "--within"),
        ({"incidents": 10, "within": "kab"}, "--within"),
        ({"incidents": -1}, "--incidents"),
        ({"incidents": 10, "tps": 10, "election": "pemilu-1955"}, "--election"),
        ({"tps": 1_000_000, "within": "74.05.18"}, "--tps"),
    ]
    for kwargs, parameter in cases:
        with pytest.raises(SynthError) as info:
            synthesize(ks, **kwargs)  # type: ignore[arg-type]
        assert info.value.parameter == parameter
    with pytest.raises(SynthError):
        remove_synthetic(ks, "acled")
    assert (table_fingerprint(ks, "incident"), table_fingerprint(ks, "polling_site")) == before


def test_kecamatan_only_boundaries(empty_engine: Engine) -> None:
    load_boundary_paths(empty_engine, [SHARED_BOUNDARIES / "konawe_selatan_kecamatan.geojson"],
                        progress=False)
    result = synthesize(empty_engine, incidents=300, seed=4)
    assert (result.incident_level, result.areas) == ("kecamatan", 25)
    assert scalar(empty_engine, "SELECT count(*) FROM incident WHERE desa_kode IS NULL "
                                "AND kecamatan_kode LIKE '74.05.%'") == 300
    with pytest.raises(SynthError) as info:
        synthesize(empty_engine, tps=10, election=None)
    assert info.value.parameter == "--election"  # no elections loaded: TPS cannot belong anywhere


def test_cli_generates_and_removes(ks: Engine) -> None:
    url = ks.url.render_as_string(hide_password=False)
    env = {"PKS_GEO_DATABASE_URL": url}
    runner = CliRunner()
    kept = scalar(ks, "SELECT count(*) FROM incident WHERE source <> 'synthetic-cli'")
    made = runner.invoke(main, ["synth", "--incidents", "700", "--tps", "50", "--within", "740504",
                                "--seed", "7", "--source", "synthetic-cli"], env=env)
    assert made.exit_code == 0, made.output
    assert "700 incidents" in made.output and "50 TPS" in made.output
    assert scalar(ks, "SELECT count(*) FROM incident WHERE source = 'synthetic-cli' "
                      "AND kecamatan_kode = '74.05.04'") == 700
    assert scalar(ks, "SELECT count(*) FROM polling_site WHERE source = 'synthetic-cli'") == 50
    refused = runner.invoke(main, ["synth", "--incidents", "5", "--source", "sheet"], env=env)
    assert refused.exit_code == 2 and "--source" in refused.output
    assert runner.invoke(main, ["synth"], env=env).exit_code == 2
    removed = runner.invoke(main, ["synth", "--remove", "--source", "synthetic-cli"], env=env)
    assert removed.exit_code == 0 and "removed 700 incidents and 50 TPS" in removed.output
    assert scalar(ks, "SELECT count(*) FROM incident WHERE source = 'synthetic-cli'") == 0
    assert scalar(ks, "SELECT count(*) FROM incident WHERE source <> 'synthetic-cli'") == kept
