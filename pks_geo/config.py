"""Settings read from the environment (prefix ``PKS_GEO_``), validated once at start.

Every command and the web app read the same :class:`Settings`, so a deployment is
configured in one place. Bad values fail early with a message naming the variable,
instead of surfacing later as an obscure database or Flask error.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
"""The checkout root (in an installed wheel: the site-packages folder; use the paths below)."""
_BUNDLE = Path(__file__).resolve().parent / "_bundle"
RESOURCE_ROOT = _BUNDLE if _BUNDLE.is_dir() else PROJECT_ROOT
"""Where ``web/`` and ``data/`` are: ``pks_geo/_bundle`` in an installed wheel (setup.py copies them
there at build time), else the checkout (editable install, tests, a plain clone)."""
WEB_DIR = RESOURCE_ROOT / "web"
"""Templates, static files and the npm packages served under ``/vendor``."""
DATA_DIR = RESOURCE_ROOT / "data"
"""Boundaries with their manifest, elections, taxonomy and security settings."""

ENV_PREFIX = "PKS_GEO_"
DEFAULT_PG_PORT = 54329


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


def _default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "pks-geo"


def _default_boundaries_dir() -> Path:
    """The Konawe Selatan files shipped in ``data/boundaries`` (a plain clone runs its demo)."""
    return DATA_DIR / "boundaries"


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
    tile_threshold: int = 2000
    """Above this many polygons the map draws areas as vector tiles (``/tiles``) instead of GeoJSON."""
    tile_cache_mb: int = 64
    """In-process cache of rendered vector tiles, in MiB; 0 turns it off."""
    response_cache_mb: int = 64
    """In-process cache of finished choropleth and hot-spot documents, in MiB; 0 turns it off."""
    anonymous_role: str | None = "viewer"
    """Role of visitors who are not logged in: ``viewer`` (default) or ``None`` (login required)."""
    marking: str = "TERBATAS"
    """Classification marking printed on briefing maps (``PKS_GEO_MARKING``; ``none`` for no marking)."""
    frame_ancestors: tuple[str, ...] = ("'self'",)
    """Who may put ``/embed/<id>`` in a frame (CSP ``frame-ancestors``); other pages: ``'self'`` only."""
    cors_origins: tuple[str, ...] = ()
    """Sites whose pages may read ``/api``, ``/ogc`` and ``/tiles`` (CORS); default none."""
    trusted_proxies: int = 0
    """How many reverse proxies in front set ``X-Forwarded-*`` (0: those headers are ignored)."""
    region: str | None = None
    """Kemendagri code of the kabupaten/kota served when several are loaded (``PKS_GEO_REGION``)."""
    environment: str = "development"
    """``production`` makes ``pks-geo serve`` refuse to start without ``PKS_GEO_SECRET_KEY``."""
    min_cell: int = 3
    """Disclosure control (``PKS_GEO_MIN_CELL``): below ``analyst``, counts 1..min_cell-1 are
    suppressed and nothing is drawn from fewer incidents (:mod:`pks_geo.queries.disclosure`)."""
    session_hours: int = 8
    """Lifetime of a log-in session (``PKS_GEO_SESSION_HOURS``)."""
    session_secure: bool | None = None
    """``Secure`` session cookie (``PKS_GEO_SESSION_SECURE``); unset: on in production, else on
    whenever the request came over HTTPS (directly or through a trusted proxy)."""
    login_max_failures: int = 5
    """Failed log-ins per user name within ``login_lock_minutes`` before it is locked."""
    login_max_failures_address: int = 30
    """Failed log-ins per client address within ``login_lock_minutes`` before it is locked."""
    login_lock_minutes: int = 15
    """Window and lock time of the log-in throttling."""
    secret_key_set: bool = False
    """Whether the key came from ``PKS_GEO_SECRET_KEY`` (else it is random for this process:
    sessions and embed links then die on restart and differ between processes)."""

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
            kwargs["secret_key_set"] = True
        if (region := get("REGION")) is not None:
            if not re.fullmatch(r"\d{2}\.\d{2}", region):
                raise ConfigError(f"PKS_GEO_REGION must be a kabupaten/kota code like 74.05, got {region!r}")
            kwargs["region"] = region
        if (environment := get("ENV")) is not None:
            if environment not in ("development", "production"):
                raise ConfigError(f"PKS_GEO_ENV must be 'development' or 'production', got {environment!r}")
            kwargs["environment"] = environment
        if (secure := get("SESSION_SECURE")) is not None:
            if secure.lower() not in ("true", "false", "1", "0", "yes", "no", "on", "off"):
                raise ConfigError(f"PKS_GEO_SESSION_SECURE must be true or false, got {secure!r}")
            kwargs["session_secure"] = secure.lower() in ("true", "1", "yes", "on")
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
        if (anonymous := get("ANONYMOUS_ROLE")) is not None:
            if anonymous not in ("viewer", "none"):
                raise ConfigError(f"PKS_GEO_ANONYMOUS_ROLE must be 'viewer' or 'none', got {anonymous!r}")
            kwargs["anonymous_role"] = None if anonymous == "none" else anonymous
        if (marking := get("MARKING")) is not None:
            kwargs["marking"] = validate_marking(marking)
        if (ancestors := get("FRAME_ANCESTORS")) is not None:
            kwargs["frame_ancestors"] = validate_frame_ancestors(ancestors)
        if (origins := get("CORS_ORIGINS")) is not None:
            kwargs["cors_origins"] = validate_cors_origins(origins)
        for name, attr, low, high in (("TILE_THRESHOLD", "tile_threshold", 0, 10_000_000),
                                      ("TRUSTED_PROXIES", "trusted_proxies", 0, 10),
                                      ("TILE_CACHE_MB", "tile_cache_mb", 0, 65_536),
                                      ("RESPONSE_CACHE_MB", "response_cache_mb", 0, 65_536),
                                      ("MIN_CELL", "min_cell", 1, 1000),
                                      ("SESSION_HOURS", "session_hours", 1, 24 * 90),
                                      ("LOGIN_MAX_FAILURES", "login_max_failures", 1, 1000),
                                      ("LOGIN_MAX_FAILURES_ADDRESS", "login_max_failures_address", 1, 99999),
                                      ("LOGIN_LOCK_MINUTES", "login_lock_minutes", 1, 24 * 60)):
            if (raw := get(name)) is not None:
                if not raw.isdigit() or not low <= int(raw) <= high:
                    raise ConfigError(f"PKS_GEO_{name} must be a whole number {low}-{high}, got {raw!r}")
                kwargs[attr] = int(raw)
        return cls(**kwargs)  # type: ignore[arg-type]


def validate_marking(value: str) -> str:
    """A short printable marking such as ``TERBATAS`` or ``RAHASIA``; ``none`` means no marking."""
    if value.lower() == "none":
        return ""
    if len(value) > 40 or not value.isprintable():
        raise ConfigError(f"PKS_GEO_MARKING must be at most 40 printable characters, got {value!r}")
    return value


_ANCESTOR_KEYWORDS = ("'self'", "'none'")


def validate_frame_ancestors(value: str) -> tuple[str, ...]:
    """Space-separated CSP sources: ``'self'``, ``'none'``, ``https:`` or ``https://host[:port]``
    (``*.`` wildcards allowed). Anything that could break out of the header is refused."""
    import re

    source = re.compile(r"^(https?:|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$")
    sources = tuple(value.split())
    for item in sources:
        if item not in _ANCESTOR_KEYWORDS and not source.match(item):
            raise ConfigError(f"PKS_GEO_FRAME_ANCESTORS: {item!r} is not a frame source; use 'self', "
                              "'none', https: or https://host[:port], separated by spaces")
    if "'none'" in sources and len(sources) > 1:
        raise ConfigError("PKS_GEO_FRAME_ANCESTORS: 'none' cannot be combined with other sources")
    return sources


def validate_cors_origins(value: str) -> tuple[str, ...]:
    """Origins separated by spaces or commas: ``https://host[:port]`` (or ``http://``), or ``*``
    for any site. An origin has no path: a browser sends scheme, host and port only."""
    import re

    origin = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")
    origins = tuple(item for item in re.split(r"[\s,]+", value) if item)
    for item in origins:
        if item != "*" and not origin.match(item):
            raise ConfigError(f"PKS_GEO_CORS_ORIGINS: {item!r} is not an origin; use "
                              "https://host[:port] (no path), or * for any site")
    return origins


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
