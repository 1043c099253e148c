"""PostgreSQL ``COPY ... FROM STDIN`` text format, built in Python and sent in one piece.

Building the text apart from sending it lets the importer prepare the next batch on one
thread while another streams the previous one to the server (which then holds no Python
lock while it waits). Values: None, str, bool, int, float, date.
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


def copy_into(conn: Connection, table: str, columns: Sequence[str], data: str) -> None:
    """Send ``data`` (from :func:`copy_text`) to ``table`` — a fixed name, never user input."""
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        copy.write(data.encode())
