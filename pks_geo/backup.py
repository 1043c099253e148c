"""Backups of the pks-geo database and their restore (``pks-geo db backup|restore``).

The district team records incidents for years; a lost disk must not lose them. A backup is
PostgreSQL's own custom-format dump (``pg_dump -Fc``: compressed, restorable table by table,
readable by any later PostgreSQL) plus a small manifest beside it (``<file>.json``) with the
schema revision, the SHA-256 of the dump and the row count of every table. Restore checks
the digest (a truncated copy is refused before anything is written), refuses a dump made by a
newer pks-geo (its schema is unknown here), writes only into an empty database, and compares
every table's row count with the manifest afterwards.

Passwords never reach a command line: the dump tools get the connection through libpq
environment variables.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

from pks_geo import schema
from pks_geo.localpg import PG_VERSIONS

MANIFEST_SUFFIX = ".json"
TABLES_SQL = text("""
SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'spatial_ref_sys'
ORDER BY c.relname
""")


class BackupError(RuntimeError):
    """A backup or restore that cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    """What a backup holds: enough to refuse a wrong restore and to verify a right one."""

    revision: str
    sha256: str
    size: int
    tables: dict[str, int]
    created_at: str
    pg_dump: str

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2, sort_keys=True) + "\n")

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            data = json.loads(path.read_text())
            return cls(**{k: data[k] for k in cls.__dataclass_fields__})
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"cannot read the backup manifest {path}: {exc}") from exc


def manifest_path(dump: Path) -> Path:
    return dump.with_name(dump.name + MANIFEST_SUFFIX)


def _tool(name: str, server_major: int | None = None) -> str:
    """``pg_dump``/``pg_restore`` able to talk to a server of ``server_major``.

    pg_dump refuses a server newer than itself ("server version mismatch") and reads older ones,
    so the tool of the server's own version is taken first, else the oldest newer one installed
    (Debian keeps them in ``/usr/lib/postgresql/<v>/bin``, off PATH); ``PKS_GEO_PG_BINDIR``
    wins when set."""
    env_dir = os.environ.get("PKS_GEO_PG_BINDIR")
    if env_dir and (Path(env_dir) / name).exists():
        return str(Path(env_dir) / name)
    versions = sorted((int(v) for v in PG_VERSIONS), reverse=True)
    if server_major is not None:
        usable = sorted(v for v in versions if v >= server_major)
        versions = usable
    for version in versions:
        folder = Path(f"/usr/lib/postgresql/{version}/bin")
        if (folder / name).exists():
            return str(folder / name)
    found = shutil.which(name)
    if found and (server_major is None or _major_of(found) >= server_major):
        return found
    wanted = f"postgresql-client-{server_major}" if server_major else "postgresql-client"
    raise BackupError(f"no {name} for a PostgreSQL {server_major or ''} server found: "
                      f"install it (apt-get install {wanted}) or set PKS_GEO_PG_BINDIR")


def _major_of(tool: str) -> int:
    """Major version of a PostgreSQL client program ("pg_dump (PostgreSQL) 15.8" -> 15)."""
    output = subprocess.run([tool, "--version"], capture_output=True, text=True, check=False).stdout
    digits = output.split()[-1].split(".")[0] if output.split() else ""
    return int(digits) if digits.isdigit() else 0


def server_major(engine: Engine) -> int:
    """The server's major version (``server_version_num`` 150008 -> 15)."""
    with engine.connect() as conn:
        return int(conn.execute(text("SHOW server_version_num")).scalar_one()) // 10000


def _libpq_env(engine: Engine) -> dict[str, str]:
    url = make_url(engine.url.render_as_string(hide_password=False))
    env = {**os.environ, "PGHOST": url.host or "localhost", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "", "PGDATABASE": url.database or ""}
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return env


def table_counts(engine: Engine) -> dict[str, int]:
    """Row count of every table of the schema (PostGIS's own reference table left out)."""
    with engine.connect() as conn:
        return _counts(conn)


def _counts(conn: Connection) -> dict[str, int]:
    names = conn.execute(TABLES_SQL).scalars().all()
    return {name: int(conn.execute(text(f'SELECT count(*) FROM public."{name}"')).scalar_one())
            for name in names}  # names from the catalogue above, not from a user


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(args: list[str], env: dict[str, str]) -> str:
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-800:]}")
    return result.stdout


def backup(engine: Engine, output: Path) -> Manifest:
    """Dump the database to ``output`` (custom format) and write its manifest beside it."""
    revision = schema.current_revision(engine)
    if not revision:
        raise BackupError("the database has no pks-geo schema: nothing to back up")
    tool = _tool("pg_dump", server_major(engine))
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    # The app keeps writing while a nightly backup runs (audit events, incidents): the counts
    # and the dump must see the same data, or a good backup fails its own restore check. One
    # repeatable-read transaction exports its snapshot; pg_dump dumps exactly that snapshot.
    with engine.connect() as conn:
        conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _counts(conn)
            _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
                  f"--file={partial}"], _libpq_env(engine))
    partial.replace(output)  # a failed dump never leaves a file that looks complete
    manifest = Manifest(revision=revision, sha256=_sha256(output), size=output.stat().st_size,
                        tables=counts, created_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        pg_dump=_run([tool, "--version"], os.environ.copy()).strip())
    manifest.write(manifest_path(output))
    return manifest


def restore(dump: Path, target: Engine) -> Manifest:
    """Restore ``dump`` into the empty database of ``target``; returns the verified manifest."""
    manifest = Manifest.read(manifest_path(dump))
    if not dump.exists() or _sha256(dump) != manifest.sha256:
        raise BackupError(f"{dump} does not match its manifest (missing, truncated or changed): not restored")
    if manifest.revision not in schema.known_revisions():
        raise BackupError(f"the backup's schema ({manifest.revision}) is newer than this pks-geo knows: "
                          "upgrade pks-geo first, then restore")
    existing = table_counts(target)
    if existing:
        raise BackupError(f"the target database is not empty ({len(existing)} tables, e.g. "
                          f"{next(iter(existing))}): restore into a new, empty database")
    env = _libpq_env(target)
    tool = _tool("pg_restore", server_major(target))
    with target.connect() as conn:
        present = set(conn.execute(text("SELECT extname FROM pg_extension "
                                        "WHERE extname IN ('postgis', 'pgrouting')")).scalars())
    args = [tool, "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={env['PGDATABASE']}"]
    if present:  # CREATE EXTENSION would fail: restore everything but the extensions themselves
        listing = _run([tool, "--list", str(dump)], env)
        keep = [line for line in listing.splitlines()
                if not any(f"EXTENSION - {name}" in line for name in present)]
        listed = dump.with_name(dump.name + ".list")
        listed.write_text("\n".join(keep) + "\n")
        args.append(f"--use-list={listed}")
    _run([*args, str(dump)], env)
    restored = table_counts(target)
    if restored != manifest.tables:
        wrong = {t: (manifest.tables.get(t), restored.get(t)) for t in set(restored) | set(manifest.tables)
                 if manifest.tables.get(t) != restored.get(t)}
        raise BackupError(f"restored row counts differ from the backup's (table: expected, found): {wrong}")
    return manifest
