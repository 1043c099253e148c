"""Uploaded import files kept on the server between the dry run and the confirmation (the
Impor page, :mod:`pks_geo.web.import_page`).

Why a store of its own: the page checks a file first (dry run) and stores *the same file with
the same options* only when the editor confirms, possibly minutes later and on another
request thread (or process). So the upload is written once to a private folder, named by a
random token and bound to the user who uploaded it (anyone else gets "not found"):

- ``meta.json``: who, what kind, the options, the original file name and size;
- ``upload.<ext>``: the file itself;
- ``status.json`` / ``landed.json``: written by the job runner (:mod:`pks_geo.web.import_jobs`).

A file that is too big, empty, of a type the kind does not take, or whose bytes cannot be what
its name says is refused before anything is written (:class:`UploadRefused`, with a message
key for the page). Folders older than :data:`KEEP_HOURS` are removed on the next upload.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

KINDS = ("sheet", "acled", "tps")
"""What an upload holds: the district team's incident sheet, an ACLED export, a TPS list."""
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "sheet": (".csv", ".txt", ".xlsx", ".xlsm"),
    "acled": (".csv", ".txt"),
    "tps": (".csv", ".txt", ".xlsx", ".xlsm"),
}
DEFAULT_MAX_BYTES = 100 * 1024 * 1024
"""Largest upload (``PKS_GEO_IMPORT_MAX_MB``, or the app's ``IMPORT_MAX_BYTES``): a 100,000-row ACLED
export is about 30 MB."""
KEEP_HOURS = 24.0
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{32}$")
ZIP_MAGIC = b"PK\x03\x04"
BINARY_MAGIC = (ZIP_MAGIC, b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x7fELF",
                b"MZ")
"""Starts of common binary files (zip/xlsx/docx, PDF, old Office, images, programs)."""


class UploadRefused(ValueError):
    """The upload is not stored; ``key`` names the page's message, ``detail`` fills it in."""

    def __init__(self, key: str, detail: str = "") -> None:
        super().__init__(f"{key}: {detail}" if detail else key)
        self.key, self.detail = key, detail


class UploadNotFound(LookupError):
    """No such upload for this user (unknown, expired, removed, or someone else's)."""


@dataclass(frozen=True)
class ImportOptions:
    """The options chosen on the form, kept with the file so the confirmation repeats them."""

    kind: str
    source: str | None = None
    election: str | None = None
    keep_outside: bool = False
    all_or_nothing: bool = False


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically: a reader sees the old file or the new one, never half of it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def check_bytes(kind: str, suffix: str, head: bytes) -> None:
    """Refuse bytes that cannot be what the name says: an XLSX is a zip; a CSV is text (UTF-16
    with its byte-order mark allowed; the importer reads the encodings)."""
    if suffix in (".xlsx", ".xlsm"):
        if not head.startswith(ZIP_MAGIC):
            raise UploadRefused("imp_err_not_xlsx")
        return
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return  # UTF-16 text with a BOM: NUL bytes are expected
    if head.startswith(BINARY_MAGIC) or b"\x00" in head:
        raise UploadRefused("imp_err_binary")


class UploadStore:
    """The upload folders under ``root`` (mode 0700)."""

    def __init__(self, root: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.root = root
        self.max_bytes = max_bytes

    @classmethod
    def default_root(cls) -> Path:
        """``PKS_GEO_IMPORT_DIR``, else ``<tmp>/pks-geo-imports``."""
        return Path(os.environ.get("PKS_GEO_IMPORT_DIR") or Path(tempfile.gettempdir()) / "pks-geo-imports")

    @classmethod
    def default_max_bytes(cls) -> int:
        """``PKS_GEO_IMPORT_MAX_MB`` (whole MiB, 1-2000), else :data:`DEFAULT_MAX_BYTES`."""
        raw = os.environ.get("PKS_GEO_IMPORT_MAX_MB", "").strip()
        if not raw:
            return DEFAULT_MAX_BYTES
        if not raw.isdigit() or not 1 <= int(raw) <= 2000:
            raise ValueError(f"PKS_GEO_IMPORT_MAX_MB must be a whole number of MB, 1-2000 (got {raw!r})")
        return int(raw) * 1024 * 1024

    def folder(self, token: str) -> Path:
        if not TOKEN_RE.match(token or ""):
            raise UploadNotFound(token)
        return self.root / token

    def save(self, user_id: int, username: str, options: ImportOptions, filename: str,
             stream: BinaryIO) -> str:
        """Check and keep one upload; returns its token. Nothing is left behind when refused."""
        if options.kind not in KINDS:
            raise UploadRefused("imp_err_kind")
        name = Path(filename or "").name
        suffix = Path(name).suffix.lower()
        if not name:
            raise UploadRefused("imp_err_no_file")
        if suffix not in EXTENSIONS[options.kind]:
            raise UploadRefused("imp_err_type", ", ".join(EXTENSIONS[options.kind]))
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.cleanup()
        token = secrets.token_urlsafe(24)
        folder = self.root / token
        folder.mkdir(mode=0o700)
        try:
            size = self._copy(stream, folder / f"upload{suffix}", options.kind, suffix)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        write_json(folder / "meta.json", {
            "user_id": user_id, "username": username, "filename": name, "suffix": suffix, "size": size,
            "created": time.time(), **asdict(options)})
        return token

    def _copy(self, stream: BinaryIO, target: Path, kind: str, suffix: str) -> int:
        size = 0
        with target.open("wb") as out:
            while chunk := stream.read(1 << 20):
                if size == 0:
                    check_bytes(kind, suffix, chunk[:8192])
                size += len(chunk)
                if size > self.max_bytes:
                    raise UploadRefused("imp_err_too_big", f"{self.max_bytes // (1024 * 1024)} MB")
                out.write(chunk)
        if size == 0:
            raise UploadRefused("imp_err_empty")
        return size

    def meta(self, token: str, user_id: int) -> dict[str, Any]:
        """The upload's meta data, only for the user who uploaded it."""
        meta = read_json(self.folder(token) / "meta.json")
        if meta is None or meta.get("user_id") != user_id:
            raise UploadNotFound(token)
        return meta

    def upload_path(self, token: str, meta: dict[str, Any]) -> Path:
        return self.folder(token) / f"upload{meta['suffix']}"

    def claim(self, token: str, name: str) -> bool:
        """Take a one-time mark (``name``) on the upload; False if it was taken already (a second
        click on Confirm must not import twice)."""
        try:
            fd = os.open(self.folder(token) / f"{name}.lock", os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            return False
        os.close(fd)
        return True

    def remove(self, token: str) -> None:
        shutil.rmtree(self.folder(token), ignore_errors=True)

    def cleanup(self, keep_hours: float = KEEP_HOURS) -> None:
        """Remove upload folders untouched for ``keep_hours`` (a running job rewrites its status
        every few seconds, which keeps its folder fresh)."""
        limit = time.time() - keep_hours * 3600
        for folder in self.root.glob("*"):
            if folder.is_dir() and TOKEN_RE.match(folder.name) and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
