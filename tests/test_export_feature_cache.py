"""The cache of incident Feature texts behind the streaming GeoJSON export (migration 0012):
byte-identical to the texts written on the fly, never stale after an edit, a delete, a new
incident or a renamed desa, filters still applied, and concurrent builds harmless."""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

import orjson
import psycopg
import pytest
from sqlalchemy import Engine, text

from pks_geo.export import ExportContext, datasets_incidents, feature_cache, prepare_export
from pks_geo.export.datasets_incidents import FEATURE_SELECT, GEOJSON_SQL
from tests.security_setup import add_election, add_incident, boundary_engine, inside

DESA = ["74.05.03.2001", "74.05.03.2004", "74.05.11.2017"]


@pytest.fixture
def engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    eng = boundary_engine(database_factory, ks_boundary_paths)
    with eng.begin() as conn:
        add_election(conn, "pilkada-c", date(2024, 11, 27))
        for n, desa in enumerate(DESA):
            where = inside(conn, desa)
            for k in range(3):
                add_incident(conn, f"C{n}-{k}", date(2024, 2 + k, 5), "bentrok", where, desa, luka=k,
                             election="pilkada-c")
    return eng


def export(engine: Engine, args: dict[str, Any] | None = None) -> dict[str, Any]:
    ctx = ExportContext(engine, args or {}, "analyst", "test")
    return orjson.loads(b"".join(prepare_export(ctx, "incidents", "geojson").chunks()))


def live_features(engine: Engine) -> list[dict[str, Any]]:
    """The same features written by PostGIS on the fly (the uncached statement)."""
    with engine.connect() as conn:
        rows = conn.execute(text(GEOJSON_SQL.format(where="i.counted AND i.desa_kode IS NOT NULL"))).all()
    return [orjson.loads(bytes(row[0])) for row in rows]


def cached_rows(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM incident_feature")).scalar_one()


def test_cached_export_equals_the_features_written_on_the_fly(engine: Engine) -> None:
    first = export(engine)
    assert cached_rows(engine) == 9
    assert first["features"] == live_features(engine)
    assert not feature_cache.refresh(engine, FEATURE_SELECT)  # fresh: nothing rebuilt
    assert export(engine)["features"] == first["features"]


def test_edits_deletes_new_incidents_and_renamed_desa_are_never_stale(engine: Engine) -> None:
    export(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE incident SET description = 'Diubah' WHERE external_id = 'C0-0'"))
    features = export(engine)["features"]
    changed = [f for f in features if f["properties"]["external_id"] == "C0-0"]
    assert changed[0]["properties"]["description"] == "Diubah"

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incident WHERE external_id = 'C1-1'"))
        add_incident(conn, "C9-9", date(2024, 9, 9), "unjuk_rasa", inside(conn, DESA[2]), DESA[2])
    ids = {f["properties"]["external_id"] for f in export(engine)["features"]}
    assert "C1-1" not in ids and "C9-9" in ids and len(ids) == 9

    with engine.begin() as conn:
        conn.execute(text("UPDATE admin_area SET nama = 'Desa Baru' WHERE kode = :k"), {"k": DESA[0]})
    names = {f["properties"]["desa_nama"] for f in export(engine)["features"]
             if f["properties"]["desa_kode"] == DESA[0]}
    assert names == {"Desa Baru"}
    assert export(engine)["features"] == live_features(engine)


def test_filters_apply_to_the_cached_texts(engine: Engine) -> None:
    export(engine)
    march = export(engine, {"from": "2024-03-01", "to": "2024-03-31"})["features"]
    assert {f["properties"]["event_date"] for f in march} == {"2024-03-05"} and len(march) == 3
    one = export(engine, {"within": "74.05.11"})["features"]
    assert {f["properties"]["desa_kode"] for f in one} == {DESA[2]}


def test_concurrent_exports_build_the_cache_once_without_errors(engine: Engine) -> None:
    errors: list[BaseException] = []
    built: list[bool] = []

    def run() -> None:
        try:
            built.append(feature_cache.refresh(engine, FEATURE_SELECT))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert built.count(True) == 1
    assert cached_rows(engine) == 9


def test_a_busy_cache_is_not_waited_for_and_the_export_is_still_current(engine: Engine) -> None:
    """An export still reading the old cache blocks the rebuild: the next export writes its
    texts on the fly (after LOCK_TIMEOUT) instead of waiting or serving stale texts."""
    export(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE incident SET description = 'Baru' WHERE external_id = 'C2-2'"))
    reader = psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))
    try:
        reader.execute("SELECT count(*) FROM incident_feature")  # holds ACCESS SHARE until rollback
        features = export(engine)["features"]
    finally:
        reader.rollback()
        reader.close()
    changed = [f for f in features if f["properties"]["external_id"] == "C2-2"]
    assert changed[0]["properties"]["description"] == "Baru"
    assert features == live_features(engine)
    assert feature_cache.refresh(engine, FEATURE_SELECT)  # free again: rebuilt now


def test_server_side_cursor_path_for_an_older_libpq(engine: Engine, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    chunked = export(engine)
    monkeypatch.setattr(datasets_incidents, "CHUNKED_LIBPQ", 10**9)  # as if libpq were < 17
    assert export(engine)["features"] == chunked["features"] and len(chunked["features"]) == 9
