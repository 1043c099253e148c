"""Database engine, and the one rule for which database a command uses.

``PKS_GEO_DATABASE_URL`` wins when set; otherwise the project-managed local cluster is
used (and started when needed). One engine per process keeps one connection pool.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from pks_geo.config import Settings


class DatabaseUnavailable(RuntimeError):
    """The database cannot be reached; the message names the host and port."""


def resolve_database_url(settings: Settings, start_local: bool = True) -> str:
    """Return the configured URL, or the local cluster's (starting it if allowed)."""
    if settings.database_url:
        return settings.database_url
    from pks_geo.localpg import LocalCluster

    cluster = LocalCluster.from_settings(settings)
    if start_local:
        return cluster.up()
    if not cluster.is_initialised():
        raise DatabaseUnavailable(
            "no PKS_GEO_DATABASE_URL set and the local PostGIS is not initialised; "
            "run 'pks-geo db up' first"
        )
    return cluster.url()


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    """One pooled engine per URL; ``pool_pre_ping`` survives database restarts.

    JIT compilation is off for the app's sessions: its statements run for milliseconds to a
    few hundred, and PostgreSQL's cost estimate for low-zoom tiles and spatial joins crossed
    ``jit_above_cost``, where compiling took longer (~40 ms per tile) than the query itself.
    Setting it per connection saves a ``SET LOCAL`` round trip on every request."""
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5,
                         connect_args={"connect_timeout": 5, "options": "-c jit=off"})


def check_connection(engine: Engine) -> str:
    """Return the PostGIS version, or raise :class:`DatabaseUnavailable` with a clear message."""
    try:
        with engine.connect() as conn:
            return conn.execute(text(
                "SELECT coalesce((SELECT extversion FROM pg_extension WHERE extname = 'postgis'), '')"
            )).scalar_one()
    except OperationalError as exc:
        url = engine.url
        raise DatabaseUnavailable(
            f"cannot connect to the database at {url.host}:{url.port}/{url.database}: "
            f"{str(exc.orig).strip().splitlines()[0] if exc.orig else exc}"
        ) from exc
