"""Every bulk change from the command line leaves one audit row with its counts (issue 13):
boundary and election loads, incident and TPS imports (and refused imports), synth, demo and
their removals. Dry runs change nothing and are not audited."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.cli import main
from pks_geo.db import get_engine
from pks_geo.manifest import load_manifest
from tests.conftest import KS_BOUNDARIES
from tests.ingest_support import LAMBAKARA, LAMBAKARA_POINT, write_csv


def _run(engine: Engine, *args: str, exit_code: int = 0) -> None:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == exit_code, result.output


def _events(engine: Engine, since: int) -> list[dict]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, actor, action, entity, entity_id, after FROM audit_event "
                                 "WHERE id > :s ORDER BY id"), {"s": since})
        return [dict(r._mapping) for r in rows]


def _last_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()


def test_cli_bulk_changes_are_audited_with_counts(database_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    _run(engine, "demo")
    demo = _events(engine, 0)
    assert [(e["action"], e["entity"]) for e in demo][-1] == ("demo", "demo")
    assert all(e["actor"].startswith("cli") for e in demo)
    counts = demo[-1]["after"]["reports"]
    assert sum(r["inserted"] for r in counts) > 0 and demo[-1]["after"]["region"] == "74.05"

    mark = _last_id(engine)
    lat, lon = LAMBAKARA_POINT
    sheet = write_csv(tmp_path / "laporan.csv", ["ID", "Tanggal", "Kategori", "Lat", "Lon"],
                      [[1, "2024-05-01", "bentrok", lat, lon], [2, "2024-05-02", "intimidasi", lat, lon],
                       [3, "bukan tanggal", "bentrok", lat, lon]])
    _run(engine, "incidents", "import", str(sheet), "--source", "tim-a", "--dry-run")
    _run(engine, "incidents", "import", str(sheet), "--source", "tim-a")
    _run(engine, "synth", "--incidents", "25", "--within", "74.05", "--source", "synthetic-audit")
    _run(engine, "synth", "--remove", "--source", "synthetic-audit")
    _run(engine, "demo", "--remove")
    events = _events(engine, mark)
    assert [(e["action"], e["entity"], e["entity_id"]) for e in events] == [
        ("import", "incident_import", "laporan.csv"), ("synth", "synthetic", "synthetic-audit"),
        ("remove", "synthetic", "synthetic-audit"), ("remove", "demo", "contoh")]
    imported, made, removed, demo_removed = (e["after"] for e in events)
    assert (imported["read"], imported["inserted"], imported["rejected"]) == (3, 2, 1)
    assert "source tim-a" in imported["source"] and imported["file"] == str(sheet)
    assert made["incidents"] == 25 and removed == {"incidents": 25, "tps": 0}
    assert demo_removed["incidents"] > 0 and demo_removed["tps"] > 0


def test_cli_loads_and_tps_imports_are_audited(database_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    paths = load_manifest().boundary_paths(KS_BOUNDARIES)
    _run(engine, "boundaries", "load", *map(str, paths))
    _run(engine, "elections", "load")
    digits = LAMBAKARA.replace(".", "")
    sheet = write_csv(tmp_path / "tps.csv", ["kode_tps", "dpt"],
                      [[f"{digits}009", "200"], [f"{digits}010", "abc"]])
    tps = ("tps", "import", str(sheet), "--election", "pilkada-2024", "--source", "t-audit")
    _run(engine, *tps, "--all-or-nothing", exit_code=1)
    _run(engine, *tps, "--dry-run")
    _run(engine, *tps)
    events = _events(engine, 0)
    assert [(e["action"], e["entity"]) for e in events] == [
        ("import", "boundary_import"), ("import", "election_import"), ("import_refused", "tps_import"),
        ("import", "tps_import")]
    boundaries, elections, refused, tps = (e["after"] for e in events)
    assert boundaries["inserted"] == boundaries["read"] > 300 and len(boundaries["files"]) == len(paths)
    assert elections["inserted"] >= 4 and events[1]["entity_id"] == "elections.toml"
    assert (refused["read"], refused["inserted"], refused["rejected"]) == (2, 0, 1)
    assert (tps["read"], tps["inserted"], tps["rejected"], tps["election"]) == (2, 1, 1, "pilkada-2024")
    assert all(e["actor"].startswith("cli") and e["entity_id"] for e in events)

