"""Fresh planner statistics right after a bulk change of incidents, TPS or boundaries.

Autovacuum analyses a table only once enough rows have changed and its naptime has passed;
until then the planner works from the counts it saw last. After ``synth --remove`` (or
``demo --remove``, or the first big import into an empty table) it believed ``incident``
held one row and chose plans that are slow at best: with the SP-GiST index of migration
0014 such a plan crashed the whole PostgreSQL server. Every bulk writer therefore analyses
the tables it touched as soon as its transaction has committed.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

# The tables bulk writers change; ANALYZE takes an identifier, not a bound parameter, so
# only these fixed names are ever written into the statement.
BULK_TABLES = ("incident", "polling_site", "admin_area")


def analyze_tables(engine: Engine, *tables: str) -> None:
    """Run ANALYZE on ``tables`` (a subset of :data:`BULK_TABLES`) in one short transaction."""
    unknown = [t for t in tables if t not in BULK_TABLES]
    if unknown:
        raise ValueError(f"not a bulk-loaded table: {', '.join(unknown)}")
    with engine.begin() as conn:
        for table in tables:
            conn.execute(text(f"ANALYZE {table}"))  # table name from BULK_TABLES above
