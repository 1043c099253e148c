"""Tables as the district team saves them (CSV or XLSX), and their incident sheet.

Indonesian Excel writes ``;`` separators and decimal commas, older machines Windows-1252,
newer ones UTF-8 with a BOM; all of these arrive. :func:`read_table` turns any of them
into numbered rows of ``{column: value}`` so readers never deal with encodings again.
Row numbers are what a user sees: the line in a CSV file (header = line 1), the row in
an XLSX sheet.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pks_geo.ingest.report import ImportFailed, Issue

DELIMITERS = (",", ";", "\t")
_HEADER_CLEAN = re.compile(r"[\s\-]+")


@dataclass
class Table:
    """A read table: normalised column names and numbered rows; malformed rows as issues.

    Readers that rename columns (ACLED) keep ``labels``: field name -> the file's column
    name, so messages name the column the user sees; ``warnings`` are reader warnings.
    ``rows`` is a list, or (ACLED CSV) lazy: then ``issues`` and ``warnings`` are complete
    only once ``rows`` has been consumed, and ``size_hint`` estimates its length."""

    path: Path
    columns: list[str]
    rows: Iterable[tuple[int, dict[str, object]]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    labels: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    delimiter: str | None = None
    size_hint: int | None = None

    def require(self, *alternatives: tuple[str, ...]) -> None:
        require_columns(self.path, self.columns, *alternatives)


def require_columns(path: Path, columns: list[str], *alternatives: tuple[str, ...]) -> None:
    """Refuse the file unless, for each group, one of its columns is present."""
    missing = [" or ".join(group) for group in alternatives
               if not any(name in columns for name in group)]
    if missing:
        raise ImportFailed(f"{path}: missing column(s) {'; '.join(missing)} "
                           f"(found: {', '.join(c for c in columns if c) or 'none'})")


def header_name(value: object) -> str:
    """``' Kode Desa '`` -> ``kode_desa``: case, spaces and hyphens do not matter."""
    return _HEADER_CLEAN.sub("_", str(value or "").strip().lstrip("\ufeff")).lower().strip("_")


MAX_COLUMNS = 500
"""More columns than any real sheet has (ACLED has 31): a wider header is refused at once
instead of making every row cost seconds."""
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode(path: Path, raw: bytes) -> tuple[str, str, list[Issue]]:
    """The text, its encoding and what the user should know about it.

    UTF-16 (what Excel's "Unicode text" writes) is read by its byte-order mark. A file that is
    not valid UTF-8 is read as Windows-1252 (older Indonesian Excel) only when nothing in it
    looks like UTF-8, and the report says so; a file mixing UTF-8 with invalid bytes is refused
    with the line of the first bad byte, since guessing would silently change names."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16", []
        except UnicodeDecodeError as exc:
            raise ImportFailed(f"{path}: broken UTF-16 text near byte {exc.start}; "
                               "save it again as CSV UTF-8") from exc
    if b"\x00" in raw[:8192]:
        if raw[:8192].count(b"\x00") * 3 > len(raw[:8192]):  # every other byte NUL: UTF-16 without a BOM
            raise ImportFailed(f"{path}: looks like UTF-16 text without a byte-order mark; "
                               "save it as CSV UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')")
        raise ImportFailed(f"{path}: not a text file (binary content); save it as CSV or XLSX")
    try:
        return raw.decode("utf-8-sig"), "utf-8", []
    except UnicodeDecodeError as exc:
        if _UTF8_MULTIBYTE.search(raw):
            line = raw[:exc.start].count(b"\n") + 1
            raise ImportFailed(f"{path}, line {line}: invalid UTF-8 (byte 0x{raw[exc.start]:02x}) in a file "
                               "that is otherwise UTF-8; fix that character or save the file again as "
                               "CSV UTF-8") from exc
    note = Issue(None, None, "the file is not UTF-8; it was read as Windows-1252 (older Excel): check "
                             "that names with special characters came out right")
    return raw.decode("cp1252", errors="replace"), "cp1252", [note]


def _check_header(path: Path, columns: list[str]) -> None:
    if len(columns) > MAX_COLUMNS:
        raise ImportFailed(f"{path}: {len(columns):,} columns; a sheet may have at most {MAX_COLUMNS} "
                           "(is the separator right, or is this the wrong file?)")
    named = [c for c in columns if c]
    if not named:
        raise ImportFailed(f"{path}: no header row")
    dupes = sorted({c for c in named if named.count(c) > 1})
    if dupes:
        raise ImportFailed(f"{path}: column(s) {', '.join(dupes)} appear more than once")


@dataclass
class Grid:
    """Header and numbered rows of values, as read, before any column is interpreted.

    ``lines`` may be lazy (CSV): the rows are then parsed while they are consumed, and
    ``issues`` grows as malformed rows are met, so a consumer reads ``issues`` after it
    has gone through ``lines``. ``size_hint`` is about the number of rows (for progress)."""

    path: Path
    columns: list[str]
    lines: Iterable[tuple[int, list[object]]] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    encoding: str | None = None
    delimiter: str | None = None
    size_hint: int | None = None
    warnings: list[Issue] = field(default_factory=list)

    def table(self) -> Table:
        """Rows as ``{column: value}`` dicts (unnamed columns dropped), all read."""
        columns = self.columns
        if all(columns):
            rows = [(n, dict(zip(columns, values, strict=False))) for n, values in self.lines]
        else:
            rows = [(n, {c: v for c, v in zip(columns, values, strict=False) if c})
                    for n, values in self.lines]
        return Table(self.path, columns, rows, list(self.issues), list(self.warnings),
                     encoding=self.encoding, delimiter=self.delimiter)


def _csv_rows(path: Path, reader: Iterator[list[str]], width: int, issues: list[Issue],
              line_of: Callable[[], int]) -> Iterator[tuple[int, list[object]]]:
    """The rows after the header, numbered by their first line; bad rows go to ``issues``."""
    line = line_of()
    try:
        for values in reader:
            start, line = line + 1, line_of()
            joined = "".join(values)
            if not joined.strip():
                continue
            if "\x00" in joined:
                issues.append(Issue(start, None, "contains NUL characters (binary garbage)"))
                continue
            if len(values) > width and "".join(values[width:]).strip():
                issues.append(Issue(start, None, f"{len(values)} values but the header has "
                                                 f"{width} columns"))
                continue
            yield start, values  # type: ignore[misc]
    except csv.Error as exc:
        raise ImportFailed(f"{path}, line {line + 1}: unreadable CSV ({exc})") from exc


def read_csv(path: Path) -> Grid:
    """The header now; the rows lazily, parsed while the caller consumes ``lines``.

    The whole file is decoded first (so an undecodable file is refused before anything
    is done with it); a CSV syntax error further down raises :class:`ImportFailed` when
    that row is reached."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
    text, encoding, notes = _decode(path, raw)
    first = next((line for line in text[:65536].splitlines() if line.strip()), "")
    delimiter = max(DELIMITERS, key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for values in reader:
            joined = "".join(values)
            if not joined.strip():
                continue
            if "\x00" in joined:
                raise ImportFailed(f"{path}: the header contains NUL characters")
            columns = [header_name(v) for v in values]
            _check_header(path, columns)
            break
        else:
            raise ImportFailed(f"{path}: the file is empty")
    except csv.Error as exc:
        raise ImportFailed(f"{path}, line {reader.line_num}: unreadable CSV ({exc})") from exc
    grid = Grid(path, columns, encoding=encoding, delimiter=delimiter,
                size_hint=max(raw.count(b"\n") - reader.line_num, 0), warnings=notes)
    grid.lines = _csv_rows(path, reader, len(columns), grid.issues, lambda: reader.line_num)
    return grid


def read_xlsx(path: Path) -> Grid:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (OSError, InvalidFileException, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise ImportFailed(f"cannot read {path} as an XLSX workbook: {exc}") from exc
    try:
        grid: Grid | None = None
        for sheet in book.worksheets:
            # Read-only mode trusts the sheet's stored <dimension>, which many tools leave stale:
            # a workbook claiming A1:M2 would import one row of five, silently. Forget it.
            sheet.reset_dimensions()
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [v.strip() if isinstance(v, str) else v for v in values]
                if all(v is None or v == "" for v in cells):
                    continue
                if grid is None:
                    grid = Grid(path, [header_name(v) for v in cells])
                    _check_header(path, grid.columns)
                    continue
                grid.lines.append((number, cells))  # type: ignore[attr-defined]  # a list here
            if grid is not None:
                break
    finally:
        book.close()
    if grid is None:
        raise ImportFailed(f"{path}: the workbook has no data")
    return grid


def read_grid(path: Path) -> Grid:
    """Read a CSV (``,``/``;``/tab, UTF-8 with or without BOM, or cp1252) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    if suffix == ".xls":
        raise ImportFailed(f"{path}: old .xls workbooks are not read; save it as .xlsx or CSV")
    return read_csv(path)


def read_table(path: Path) -> Table:
    """:func:`read_grid` with rows as ``{column: value}`` dicts."""
    return read_grid(path).table()


SHEET_LOCATION = ("lat", "lon", "kode_desa", "desa")


def read_incident_sheet(path: Path) -> Table:
    """The district team's incident sheet (FORMATS.md section 2): rows keep sheet names."""
    table = read_table(path)
    table.require(("tanggal", "event_date"), ("kategori",), SHEET_LOCATION)
    return table
