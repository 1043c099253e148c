"""Every spatial index of the schema must survive the plans PostgreSQL may choose for it.

Migration 0014 once made the incident point index SP-GiST; on PostgreSQL 15 with PostGIS
3.3 an Index Only Scan on such an index kills the backend (signal 11) and the postmaster
restarts every connection. The planner chooses that scan when its statistics say a table is
tiny, so the crash came from an ordinary ``count(*)``. These tests rebuild each spatial
index of the migrated schema (same access method, operator class and column type) on a
probe table, force the index-only plan and require the server to answer, so that a new
index of an unsafe kind fails here rather than on a user's server.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from pks_geo.ingest.synthetic import remove_synthetic, synthesize

SPATIAL_INDEXES = text("""
    SELECT tbl.relname AS table_name, att.attname AS column_name, am.amname AS method,
           opc.opcname AS opclass, idx.relname AS index_name,
           postgis_typmod_type(att.atttypmod) AS geom_type,
           postgis_typmod_srid(att.atttypmod) AS srid
    FROM pg_index i
    JOIN pg_class idx ON idx.oid = i.indexrelid
    JOIN pg_class tbl ON tbl.oid = i.indrelid
    JOIN pg_namespace ns ON ns.oid = tbl.relnamespace
    JOIN pg_am am ON am.oid = idx.relam
    JOIN pg_attribute att ON att.attrelid = tbl.oid AND att.attnum = i.indkey[0]
    JOIN pg_opclass opc ON opc.oid = i.indclass[0]
    WHERE ns.nspname = 'public' AND att.atttypid = 'geometry'::regtype
    ORDER BY tbl.relname, idx.relname
""")

PROBE_ROWS = 1000
RELTUPLES = text("SELECT reltuples FROM pg_class WHERE relname = 'incident'")


def _conninfo(engine: Engine) -> str:
    url = make_url(engine.url.render_as_string(hide_password=False)).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _spatial_indexes(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        return [dict(row._mapping) for row in conn.execute(SPATIAL_INDEXES)]


def _probe_geometry(geom_type: str) -> sql.Composable:
    """An expression giving one geometry of ``geom_type`` around a random point in Konawe Selatan."""
    point = sql.SQL("ST_SetSRID(ST_MakePoint(122.0 + random(), -4.5 + random()), 4326)")
    shapes = {
        "Point": point,
        "LineString": sql.SQL("ST_MakeLine({}, ST_Translate({}, 0.01, 0.01))").format(point, point),
        "Polygon": sql.SQL("ST_Buffer({}, 0.01)").format(point),
        "MultiPolygon": sql.SQL("ST_Multi(ST_Buffer({}, 0.01))").format(point),
        "Geometry": sql.SQL("ST_Multi(ST_Buffer({}, 0.01))").format(point),
    }
    assert geom_type in shapes, f"no probe shape for {geom_type}: add one"
    return shapes[geom_type]


def _probe(conninfo: str, index: dict[str, object]) -> tuple[list[str], int]:
    """Rebuild ``index`` on a probe table, force an index-only plan and run it.

    Returns the plan's node types and the count it answered. A crash of the backend shows
    as psycopg.OperationalError here.
    """
    probe = sql.Identifier("spatial_probe")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(probe))
        column_type = sql.SQL("geometry({}, {})").format(sql.SQL(str(index["geom_type"])),
                                                          sql.Literal(int(index["srid"])))  # type: ignore[call-overload]
        conn.execute(sql.SQL("CREATE TABLE {} (geom {})").format(probe, column_type))
        geometry = _probe_geometry(str(index["geom_type"]))
        if int(index["srid"]) != 4326:  # type: ignore[call-overload]
            geometry = sql.SQL("ST_Transform({}, {})").format(geometry, sql.Literal(int(index["srid"])))  # type: ignore[call-overload]
        conn.execute(sql.SQL("INSERT INTO {} (geom) SELECT {} FROM generate_series(1, {})").format(
            probe, geometry, sql.Literal(PROBE_ROWS)))
        conn.execute(sql.SQL("CREATE INDEX spatial_probe_idx ON {} USING {} (geom {})").format(
            probe, sql.Identifier(str(index["method"])), sql.Identifier(str(index["opclass"]))))
        conn.execute(sql.SQL("VACUUM ANALYZE {}").format(probe))
        conn.execute("SET enable_seqscan = off")
        conn.execute("SET enable_bitmapscan = off")
        plan = conn.execute(sql.SQL("EXPLAIN (FORMAT JSON) SELECT count(*) FROM {}").format(probe)).fetchone()
        nodes = _node_types(plan[0][0]["Plan"])  # type: ignore[index]
        counted = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(probe)).fetchone()[0]  # type: ignore[index]
        conn.execute(sql.SQL("DROP TABLE {}").format(probe))
    return nodes, int(counted)


def _node_types(plan: dict) -> list[str]:  # type: ignore[type-arg]
    return [plan["Node Type"], *(n for child in plan.get("Plans", []) for n in _node_types(child))]


def test_schema_has_spatial_indexes_and_none_is_sp_gist(engine: Engine) -> None:
    indexes = _spatial_indexes(engine)
    by_name = {i["index_name"]: i for i in indexes}
    for expected in ("ix_incident_geom", "ix_polling_site_geom", "ix_admin_area_geom"):
        assert expected in by_name, f"{expected} missing from {sorted(by_name)}"
    assert [i["index_name"] for i in indexes if i["method"] == "spgist"] == []


def test_every_spatial_index_survives_a_forced_index_only_scan(empty_engine: Engine) -> None:
    conninfo = _conninfo(empty_engine)
    for index in _spatial_indexes(empty_engine):
        nodes, counted = _probe(conninfo, index)
        assert counted == PROBE_ROWS, index
        assert "Index Only Scan" in nodes or "Index Scan" in nodes, (index, nodes)
        with psycopg.connect(conninfo) as conn:  # the server is still up, no recovery mode
            assert conn.execute("SELECT 1").fetchone() == (1,)


def test_synth_and_removal_leave_fresh_statistics(loaded: Engine) -> None:
    """The app's own path to the crash: synth, remove, synth; the planner must see the rows."""
    source, rows = "synthetic_statistics_probe", 300
    try:
        synthesize(loaded, incidents=rows, source=source, seed=7)
        remove_synthetic(loaded, source)
        with loaded.connect() as conn:
            empty = conn.execute(RELTUPLES).scalar()
        synthesize(loaded, incidents=rows, source=source, seed=8)
        with loaded.connect() as conn:
            reltuples = conn.execute(RELTUPLES).scalar()
            counted = conn.execute(text("SELECT count(*) FROM incident")).scalar()
        assert reltuples == counted, "ANALYZE after synth must leave the planner the true row count"
        assert empty is not None and empty <= reltuples - rows
    finally:
        remove_synthetic(loaded, source)
