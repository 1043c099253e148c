"""``pks-geo db backup`` / ``db restore``: a round trip keeps every row of every table, and a
wrong restore (truncated dump, newer schema, non-empty target) is refused before it writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo.auth.users import add_user
from pks_geo.backup import BackupError, manifest_path, restore, table_counts
from pks_geo.cli import main
from pks_geo.db import get_engine
from pks_geo.maps.views import create_view
from tests.conftest import table_fingerprint


@pytest.fixture(scope="module")
def source(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    """A database as a team would have it: boundaries, elections, incidents, TPS, users, a saved
    view and the audit trail of all of it."""
    engine = get_engine(database_factory.create())
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["demo"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    add_user(engine, "cadangan", "analyst", "password-cadangan", actor="test")
    create_view(engine, {"title": "Cadangan", "filters": {"level": "desa"}}, actor="cadangan")
    return engine


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _invoke(*args: str, url: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})
    return result.exit_code, result.output


def test_backup_and_restore_round_trip_every_table(source: Engine, database_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    counts = table_counts(source)
    for table in ("incident", "polling_site", "app_user", "saved_view", "audit_event", "admin_area"):
        assert counts.get(table, 0) > 0, (table, counts)
    dump = tmp_path / "harian.dump"
    code, output = _invoke("db", "backup", "-o", str(dump), url=_url(source))
    assert code == 0, output
    manifest = json.loads(manifest_path(dump).read_text())
    assert manifest["tables"] == counts and len(manifest["sha256"]) == 64 and manifest["revision"]

    target = get_engine(database_factory.create())
    target_url = target.url.render_as_string(hide_password=False)
    code, output = _invoke("db", "restore", str(dump), "--into", target_url, url="postgresql://unused")
    assert code == 0, output
    assert "all counts verified" in output
    for table in counts:  # same rows, same content, table by table
        assert table_fingerprint(target, table) == table_fingerprint(source, table), table
    with target.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == manifest["revision"]

    # restoring again into the now full database is refused, and changes nothing
    before = table_fingerprint(target, "incident")
    code, output = _invoke("db", "restore", str(dump), "--into", target_url, url="postgresql://unused")
    assert code == 1 and "not empty" in output
    assert table_fingerprint(target, "incident") == before


def test_a_damaged_or_newer_backup_is_refused_before_writing(source: Engine, database_factory,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    dump = tmp_path / "rusak.dump"
    code, output = _invoke("db", "backup", "-o", str(dump), url=_url(source))
    assert code == 0, output
    target = get_engine(database_factory.create())
    original = dump.read_bytes()
    dump.write_bytes(original[: len(original) // 2])  # a copy that stopped half way
    with pytest.raises(BackupError, match="does not match its manifest"):
        restore(dump, target)
    dump.write_bytes(original)
    manifest = json.loads(manifest_path(dump).read_text())
    manifest_path(dump).write_text(json.dumps({**manifest, "revision": "9999"}))
    with pytest.raises(BackupError, match="newer than this pks-geo knows"):
        restore(dump, target)
    assert table_counts(target) == {}


def test_a_backup_taken_while_the_app_writes_restores_and_verifies(source: Engine, database_factory,  # type: ignore[no-untyped-def]
                                                                   tmp_path: Path) -> None:
    """Counts and dump come from one snapshot: audit events committed one after another all
    through the dump do not make the backup fail its own restore check."""
    import threading

    stop = threading.Event()
    added: list[int] = []
    insert = text("INSERT INTO audit_event (actor, action, entity, entity_id) "
                  "VALUES ('test', 'login', 'user', :n)")

    def keep_writing() -> None:
        while not stop.is_set():
            with source.begin() as conn:
                conn.execute(insert, {"n": str(len(added))})
            added.append(1)

    writer = threading.Thread(target=keep_writing)
    writer.start()
    try:
        dump = tmp_path / "sibuk.dump"
        code, output = _invoke("db", "backup", "-o", str(dump), url=_url(source))
    finally:
        stop.set()
        writer.join()
    assert code == 0, output
    assert added, "the writer never ran"
    target = get_engine(database_factory.create())
    manifest = restore(dump, target)
    assert table_counts(target) == manifest.tables


def test_the_dump_tools_match_the_server_version(source: Engine) -> None:
    """pg_dump refuses a server newer than itself: the tool of the server's version is used, and a
    server no installed client can read gets a message naming the package to install."""
    from pks_geo.backup import _tool, server_major

    major = server_major(source)
    assert _tool("pg_dump", major) == f"/usr/lib/postgresql/{major}/bin/pg_dump"
    assert _tool("pg_restore", major) == f"/usr/lib/postgresql/{major}/bin/pg_restore"
    with pytest.raises(BackupError, match="postgresql-client-99"):
        _tool("pg_dump", 99)
