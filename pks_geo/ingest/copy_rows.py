"""Rows into a temporary table with PostgreSQL ``COPY ... FROM STDIN``.

psycopg formats each row in C (``Copy.write_row``) and streams it as it goes; that is about
twice as fast as building the COPY text in Python first, and the interpreter is what an
import runs short of. Values: None, str, bool, int, float, date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection


def copy_into(conn: Connection, table: str, columns: Sequence[str],
              rows: Iterable[Sequence[object]]) -> None:
    """COPY ``rows`` into ``table`` (``table`` and ``columns``: fixed names, never input)."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        write = copy.write_row
        for row in rows:
            write(row)
