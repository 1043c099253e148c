"""Apply Alembic migrations programmatically (``pks-geo db upgrade``).

The Alembic config is built in code rather than from an ini file so that the URL (with
its password) never has to be escaped into ConfigParser syntax, and so that the
migrations ship inside the installed package.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

MIGRATIONS = "pks_geo:migrations"


def _alembic_config(connection: object) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> str:
    """Bring the schema to ``revision``; returns the revision now current."""
    with engine.begin() as conn:
        command.upgrade(_alembic_config(conn), revision)
    return current_revision(engine)


def current_revision(engine: Engine) -> str:
    with engine.connect() as conn:
        has_table = conn.execute(text("SELECT to_regclass('alembic_version') IS NOT NULL")).scalar()
        if not has_table:
            return ""
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() or ""


def known_revisions() -> set[str]:
    """Every schema revision this code has a migration for (a backup of another is from a newer pks-geo)."""
    return {script.revision for script in ScriptDirectory.from_config(_alembic_config(None)).walk_revisions()}
