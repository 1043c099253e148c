"""Rows into a temporary table with PostgreSQL ``COPY ... FROM STDIN``.

Two ways in, for two situations:

* :func:`copy_into` with rows: psycopg formats each row in C (``Copy.write_row``) while it
  streams them — the fastest when the sending thread has the interpreter to itself;
* :func:`copy_text` builds the COPY text in Python on one thread and :func:`copy_into`
  then sends it in one piece from another, holding no interpreter lock while it waits.
  The incident importer does this: its main thread has time to spare while the storing
  thread is the bottleneck, and formatting rows on a thread that shares the interpreter
  with a busy one took about twice as long.

Values: None, str, bool, int, float, date.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

_ESCAPE = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _field(value: object) -> str:
    if value is None:
        return "\\N"
    kind = type(value)
    if kind is str:
        if "\\" in value or "\t" in value or "\n" in value or "\r" in value:  # type: ignore[operator]
            return value.translate(_ESCAPE)  # type: ignore[attr-defined]
        return value  # type: ignore[return-value]
    if kind is bool:
        return "t" if value else "f"
    return str(value)


def copy_text(rows: Iterable[Sequence[object]]) -> str:
    """The rows as COPY text: tab-separated, ``\\N`` for NULL, backslash escapes."""
    return "".join(["\t".join(map(_field, row)) + "\n" for row in rows])


def copy_into(conn: Connection, table: str, columns: Sequence[str],
              rows: str | Iterable[Sequence[object]]) -> None:
    """COPY ``rows`` (or their :func:`copy_text`) into ``table``.

    ``table`` and ``columns`` are fixed names from our code, never input."""
    raw = conn.connection.driver_connection
    assert raw is not None  # a live psycopg connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        if isinstance(rows, str):
            copy.write(rows.encode())
            return
        write = copy.write_row
        for row in rows:
            write(row)
