"""Incident references (migration 0013): checked per statement, with the guarantees of the
foreign keys they replace — unknown codes refused, referenced areas and elections kept, a
concurrent delete of a referenced desa waits for the inserting transaction."""

from __future__ import annotations

import threading
import time

import psycopg
import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from tests.ingest_support import ingest_engine_for

INSERT = text("""
INSERT INTO incident (source, external_id, event_date, kategori, location_precision,
                      desa_kode, kecamatan_kode, election_code)
VALUES ('ref-test', :id, DATE '2018-06-01', 'bentrok', 'desa', :desa, :kecamatan, :election)
""")
UNUSED_DESA = text("""
SELECT a.kode, a.parent_kode FROM admin_area a
WHERE a.level = 'desa' AND NOT EXISTS (SELECT 1 FROM polling_site p WHERE p.desa_kode = a.kode)
ORDER BY a.kode LIMIT 1
""")


@pytest.fixture
def loaded(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    """The shared ingest database: Konawe Selatan desa and the elections calendar."""
    return ingest_engine_for(database_factory, ks_boundary_paths)


def _desa(conn: Connection) -> tuple[str, str]:
    kode, parent = conn.execute(UNUSED_DESA).one()
    return kode, parent


def _insert(conn: Connection, desa: str | None, kecamatan: str | None,
            election: str | None = None, external_id: str = "r1") -> None:
    conn.execute(INSERT, {"id": external_id, "desa": desa, "kecamatan": kecamatan,
                          "election": election})


def _foreign_key_violation(error: IntegrityError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "23503"


def test_unknown_codes_are_refused_per_column(loaded: Engine) -> None:
    with loaded.connect() as conn:
        desa, kecamatan = _desa(conn)
        conn.rollback()
        for values, column in (((("99.99.99.9999", kecamatan, None)), "desa_kode=99.99.99.9999"),
                               (((desa, "99.99.99", None)), "kecamatan_kode=99.99.99"),
                               (((desa, kecamatan, "no-such-election")), "election_code=no-such")):
            with conn.begin(), pytest.raises(IntegrityError) as caught:
                _insert(conn, *values)
            assert _foreign_key_violation(caught.value) and column in str(caught.value)
        with conn.begin() as tx:
            _insert(conn, desa, kecamatan)
            with pytest.raises(IntegrityError) as caught:
                conn.execute(text("UPDATE incident SET desa_kode = '74.05.00.0000' "
                                  "WHERE source = 'ref-test'"))
            assert _foreign_key_violation(caught.value)
            tx.rollback()
        assert conn.execute(text("SELECT count(*) FROM incident WHERE source = 'ref-test'")).scalar() == 0


def test_known_and_empty_codes_are_accepted(loaded: Engine) -> None:
    with loaded.connect() as conn, conn.begin() as tx:
        desa, kecamatan = _desa(conn)
        election = conn.execute(text("SELECT code FROM election ORDER BY code LIMIT 1")).scalar()
        _insert(conn, desa, kecamatan, election, "r1")
        _insert(conn, None, None, None, "r2")
        assert conn.execute(text("SELECT count(*) FROM incident WHERE source = 'ref-test'")).scalar() == 2
        tx.rollback()


def test_referenced_area_and_election_cannot_go(loaded: Engine) -> None:
    with loaded.connect() as conn:
        desa, kecamatan = _desa(conn)
        conn.rollback()
        election = "ref-test-election"  # one of its own: no stages or TPS refer to it
        statements = (
            ("DELETE FROM admin_area WHERE kode = :desa", "area"),
            ("UPDATE admin_area SET kode = kode || '9' WHERE kode = :desa", "area"),
            ("DELETE FROM election WHERE code = :election", "election"),
            ("UPDATE election SET code = code || '-x' WHERE code = :election", "election"),
        )
        for statement, kind in statements:
            with conn.begin() as tx:
                conn.execute(text("INSERT INTO election (code, name, kind, voting_day) SELECT :code, "
                                  "name, kind, voting_day FROM election LIMIT 1"), {"code": election})
                _insert(conn, desa, kecamatan, election)
                conn.execute(text("SAVEPOINT s"))
                with pytest.raises(IntegrityError) as caught:
                    conn.execute(text(statement), {"desa": desa, "election": election})
                assert _foreign_key_violation(caught.value)
                assert f"{kind} " in str(caught.value) and "still named by incidents" in str(caught.value)
                conn.execute(text("ROLLBACK TO SAVEPOINT s"))
                # an update that keeps the code is no re-keying
                conn.execute(text("UPDATE admin_area SET nama = nama WHERE kode = :desa"), {"desa": desa})
                tx.rollback()


def test_delete_of_a_desa_waits_for_the_inserting_transaction(loaded: Engine) -> None:
    """The inserting statement locks the desa FOR KEY SHARE, like a foreign key: a concurrent
    delete blocks until the insert commits, and then fails."""
    url = loaded.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with loaded.connect() as conn:
        desa, kecamatan = _desa(conn)
        conn.rollback()
    outcome: dict[str, object] = {}
    with psycopg.connect(url) as inserter, psycopg.connect(url) as deleter:
        inserter.execute(INSERT.text.replace(":id", "%(id)s").replace(":desa", "%(desa)s")
                         .replace(":kecamatan", "%(kecamatan)s").replace(":election", "%(election)s"),
                         {"id": "lock", "desa": desa, "kecamatan": kecamatan, "election": None})

        def delete() -> None:
            started = time.monotonic()
            try:
                deleter.execute("DELETE FROM admin_area WHERE kode = %s", (desa,))
                outcome["result"] = "deleted"
            except psycopg.errors.ForeignKeyViolation:
                outcome["result"] = "refused"
            outcome["waited"] = time.monotonic() - started

        worker = threading.Thread(target=delete)
        worker.start()
        time.sleep(0.5)
        assert worker.is_alive(), "the delete did not wait for the inserting transaction"
        inserter.commit()
        worker.join(10)
        deleter.rollback()
        assert outcome["result"] == "refused" and float(outcome["waited"]) >= 0.4  # type: ignore[arg-type]
        inserter.execute("DELETE FROM incident WHERE source = 'ref-test'")
        inserter.commit()
