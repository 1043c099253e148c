"""Settings read from the environment (prefix ``PKS_GEO_``), validated once at start.

Every command and the web app read the same :class:`Settings`, so a deployment is
configured in one place. Bad values fail early with a message naming the variable,
instead of surfacing later as an obscure database or Flask error.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout root; used to find ``data/``, ``web/`` and the shared boundary folder."""

ENV_PREFIX = "PKS_GEO_"
DEFAULT_PG_PORT = 54329


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pks-geo"


def _default_boundaries_dir() -> Path:
    return PROJECT_ROOT.parent / "shared" / "boundaries"


@dataclass(frozen=True)
class Settings:
    """Validated runtime settings.

    ``database_url`` is ``None`` when the project-managed local PostGIS should be used;
    :func:`pks_geo.db.resolve_database_url` then finds or starts it.
    """

    database_url: str | None = None
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    data_dir: Path = field(default_factory=_default_data_dir)
    boundaries_dir: Path = field(default_factory=_default_boundaries_dir)
    pg_port: int = DEFAULT_PG_PORT
    tile_url: str | None = None
    tile_attribution: str = ""
    language: str = "id"

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``PKS_GEO_*`` variables, raising :class:`ConfigError` on bad values."""
        env = dict(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = env.get(ENV_PREFIX + name)
            return value.strip() if value and value.strip() else None

        kwargs: dict[str, object] = {}
        url = get("DATABASE_URL")
        if url is not None:
            kwargs["database_url"] = validate_database_url(url)
        if (key := get("SECRET_KEY")) is not None:
            if len(key) < 16:
                raise ConfigError("PKS_GEO_SECRET_KEY must be at least 16 characters long")
            kwargs["secret_key"] = key
        if (data_dir := get("DATA_DIR")) is not None:
            kwargs["data_dir"] = Path(data_dir).expanduser().resolve()
        if (bdir := get("BOUNDARIES_DIR")) is not None:
            kwargs["boundaries_dir"] = Path(bdir).expanduser().resolve()
        if (port := get("PG_PORT")) is not None:
            if not port.isdigit() or not 1024 <= int(port) <= 65535:
                raise ConfigError(f"PKS_GEO_PG_PORT must be a port number 1024-65535, got {port!r}")
            kwargs["pg_port"] = int(port)
        if (tile_url := get("TILE_URL")) is not None:
            if not all(part in tile_url for part in ("{z}", "{x}", "{y}")):
                raise ConfigError("PKS_GEO_TILE_URL must contain {z}, {x} and {y}")
            kwargs["tile_url"] = tile_url
        if (attribution := get("TILE_ATTRIBUTION")) is not None:
            kwargs["tile_attribution"] = attribution
        if (language := get("LANGUAGE")) is not None:
            if language not in ("id", "en"):
                raise ConfigError(f"PKS_GEO_LANGUAGE must be 'id' or 'en', got {language!r}")
            kwargs["language"] = language
        return cls(**kwargs)  # type: ignore[arg-type]


def validate_database_url(url: str) -> str:
    """Accept only PostgreSQL URLs and normalise them to the psycopg 3 driver."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise ConfigError(f"PKS_GEO_DATABASE_URL is not a valid database URL: {exc}") from exc
    if parsed.get_backend_name() != "postgresql":
        raise ConfigError(
            "PKS_GEO_DATABASE_URL must point to PostgreSQL/PostGIS "
            f"(postgresql://...), got backend {parsed.get_backend_name()!r}"
        )
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)
