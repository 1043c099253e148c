"""A PostgreSQL + PostGIS cluster owned by the project (``pks-geo db up`` / ``db down``).

Why not the Debian ``main`` cluster: it needs root and hand edits of ``pg_hba.conf``.
Here we ``initdb`` a private cluster with a generated password, listen only on
127.0.0.1 and remember the resulting URL in the data directory. PostgreSQL refuses to run
as root, so when we are root the cluster files belong to the ``postgres`` system user
(created by the Debian package) and every server binary runs as that user.
"""

from __future__ import annotations

import hashlib
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pks_geo.config import Settings

MAX_CONNECTIONS = 300
"""Connections the local cluster accepts (PostgreSQL's default is 100). The test suite keeps a
small pool per test module's database, and one local cluster serves every checkout of the
machine: a suite plus a developer's second run passed 100 and failed with "too many clients"."""

PG_VERSIONS = ("17", "16", "15", "14", "13")
DB_NAME = "pks_geo"
DB_USER = "pks_geo"
SYSTEM_USER = "postgres"
ROOT_CLUSTER_BASE = Path("/var/lib/pks-geo")


class LocalPostgresError(RuntimeError):
    """The local cluster cannot be found, created or started; the message says what to do."""


def find_pg_bindir() -> Path:
    """Locate the directory holding ``initdb``/``pg_ctl`` (Debian keeps them off PATH)."""
    env_dir = os.environ.get("PKS_GEO_PG_BINDIR")
    candidates = [Path(env_dir)] if env_dir else []
    candidates += [Path(f"/usr/lib/postgresql/{v}/bin") for v in PG_VERSIONS]
    which = shutil.which("initdb")
    if which:
        candidates.append(Path(which).resolve().parent)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            return cand
    raise LocalPostgresError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. Install the Debian packages "
        "with: sudo apt-get install postgresql postgis  (or run scripts/install-system-deps.sh)"
    )


def postgis_available(bindir: Path) -> bool:
    """True when the PostGIS extension files for this PostgreSQL version are installed."""
    sharedir = subprocess.run(
        [str(bindir / "pg_config"), "--sharedir"], capture_output=True, text=True, check=False
    ).stdout.strip() if (bindir / "pg_config").exists() else ""
    version = bindir.parent.name
    dirs = [Path(sharedir) / "extension"] if sharedir else []
    dirs.append(Path(f"/usr/share/postgresql/{version}/extension"))
    return any((d / "postgis.control").exists() for d in dirs)


@dataclass
class LocalCluster:
    """The project-managed cluster for one data directory and port."""

    state_dir: Path
    port: int

    @classmethod
    def from_settings(cls, settings: Settings) -> LocalCluster:
        return cls(state_dir=settings.data_dir, port=settings.pg_port)

    @property
    def running_as_root(self) -> bool:
        return os.geteuid() == 0

    @property
    def pgdata(self) -> Path:
        """Cluster files; outside /root when root because ``postgres`` cannot enter /root."""
        if self.running_as_root:
            tag = hashlib.sha1(str(self.state_dir.resolve()).encode()).hexdigest()[:10]
            return ROOT_CLUSTER_BASE / f"cluster-{tag}-{self.port}"
        return self.state_dir / "pgdata"

    @property
    def password_file(self) -> Path:
        return self.state_dir / "pg-password"

    @property
    def log_file(self) -> Path:
        return self.pgdata / "server.log"

    def url(self) -> str:
        password = self.password_file.read_text().strip()
        return f"postgresql+psycopg://{DB_USER}:{password}@127.0.0.1:{self.port}/{DB_NAME}"

    def is_initialised(self) -> bool:
        return (self.pgdata / "PG_VERSION").exists() and self.password_file.exists()

    def _run(self, args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        """Run a server binary, as ``postgres`` when we are root."""
        if self.running_as_root:
            args = ["runuser", "-u", SYSTEM_USER, "--", *args]
        return subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]

    def _chown_to_system_user(self, path: Path) -> None:
        if self.running_as_root:
            entry = pwd.getpwnam(SYSTEM_USER)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def init(self, bindir: Path) -> None:
        """Create the cluster with a random password for the ``pks_geo`` superuser."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.running_as_root:
            try:
                pwd.getpwnam(SYSTEM_USER)
            except KeyError as exc:
                raise LocalPostgresError(
                    "running as root but the 'postgres' system user does not exist; "
                    "install the Debian 'postgresql' package"
                ) from exc
            ROOT_CLUSTER_BASE.mkdir(parents=True, exist_ok=True)
            ROOT_CLUSTER_BASE.chmod(0o755)
        if self.pgdata.exists():
            shutil.rmtree(self.pgdata)
        self.pgdata.mkdir(parents=True, mode=0o700)
        self._chown_to_system_user(self.pgdata)
        password = secrets.token_urlsafe(24)
        pwfile = self.pgdata.parent / f".{self.pgdata.name}.initpw"
        pwfile.touch(mode=0o600)
        self._chown_to_system_user(pwfile)
        pwfile.write_text(password + "\n")
        result = self._run([
            str(bindir / "initdb"), "-D", str(self.pgdata), "-U", DB_USER,
            "--pwfile", str(pwfile), "-A", "scram-sha-256", "-E", "UTF8",
            "--locale", "C.UTF-8",
        ])
        pwfile.unlink()
        if result.returncode != 0:
            raise LocalPostgresError(f"initdb failed:\n{result.stderr.strip()}")
        self.password_file.write_text(password + "\n")
        self.password_file.chmod(0o600)

    def status(self, bindir: Path) -> bool:
        """True when the server of this cluster is running."""
        if not (self.pgdata / "PG_VERSION").exists():
            return False
        return self._run([str(bindir / "pg_ctl"), "status", "-D", str(self.pgdata)]).returncode == 0

    def start(self, bindir: Path) -> None:
        if _port_in_use(self.port) and not self.status(bindir):
            raise LocalPostgresError(
                f"port {self.port} is taken by another program; set PKS_GEO_PG_PORT to a free port"
            )
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.pgdata} "
                   f"-c max_connections={MAX_CONNECTIONS}")
        result = self._run([
            str(bindir / "pg_ctl"), "start", "-D", str(self.pgdata), "-w", "-t", "60",
            "-l", str(self.log_file), "-o", options,
        ])
        if result.returncode != 0:
            log = self.log_file.read_text()[-2000:] if self.log_file.exists() else ""
            raise LocalPostgresError(f"pg_ctl start failed: {result.stderr.strip()}\n{log}")

    def stop(self, bindir: Path) -> bool:
        """Stop the server; returns False when it was not running."""
        if not self.status(bindir):
            return False
        result = self._run([str(bindir / "pg_ctl"), "stop", "-D", str(self.pgdata), "-m", "fast", "-w"])
        if result.returncode != 0:
            raise LocalPostgresError(f"pg_ctl stop failed: {result.stderr.strip()}")
        return True

    def ensure_database(self) -> None:
        """Create the ``pks_geo`` database once; PostGIS itself is created by the migration."""
        import psycopg

        admin = self.url().replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
        with psycopg.connect(admin + "/postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DB_NAME}"')

    def up(self) -> str:
        """Idempotently initialise and start the cluster; returns its SQLAlchemy URL."""
        bindir = find_pg_bindir()
        if not postgis_available(bindir):
            raise LocalPostgresError(
                f"PostGIS is not installed for PostgreSQL {bindir.parent.name}. Install it with: "
                "sudo apt-get install postgis  (or run scripts/install-system-deps.sh)"
            )
        if not self.is_initialised():
            self.init(bindir)
        if not self.status(bindir):
            self.start(bindir)
        _wait_for_port(self.port)
        self.ensure_database()
        return self.url()

    def down(self) -> bool:
        return self.stop(find_pg_bindir())


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait_for_port(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _port_in_use(port):
            return
        time.sleep(0.2)
    raise LocalPostgresError(f"local PostgreSQL did not open port {port} within {timeout:.0f}s")
