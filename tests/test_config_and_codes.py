"""Settings validation and Kemendagri code handling (the UI catalogue: tests/test_translations.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pks_geo.config import ConfigError, Settings
from pks_geo.ingest.codes import jenis_of, level_of, normalize_kode, parent_of


def test_defaults_without_environment() -> None:
    settings = Settings.from_env({})
    assert settings.database_url is None and settings.pg_port == 54329
    assert settings.language == "id" and len(settings.secret_key) >= 32


def test_database_url_is_normalised_to_psycopg3() -> None:
    settings = Settings.from_env({"PKS_GEO_DATABASE_URL": "postgresql://u:p@db.example:5433/gis"})
    assert settings.database_url == "postgresql+psycopg://u:p@db.example:5433/gis"


@pytest.mark.parametrize("env,needle", [
    ({"PKS_GEO_DATABASE_URL": "mysql://u@h/db"}, "PKS_GEO_DATABASE_URL must point to PostgreSQL"),
    ({"PKS_GEO_DATABASE_URL": "::not a url::"}, "PKS_GEO_DATABASE_URL is not a valid database URL"),
    ({"PKS_GEO_SECRET_KEY": "short"}, "PKS_GEO_SECRET_KEY must be at least 16"),
    ({"PKS_GEO_PG_PORT": "80"}, "PKS_GEO_PG_PORT must be a port number"),
    ({"PKS_GEO_PG_PORT": "abc"}, "PKS_GEO_PG_PORT must be a port number"),
    ({"PKS_GEO_TILE_URL": "http://tiles.local/tile.png"}, "PKS_GEO_TILE_URL must contain"),
    ({"PKS_GEO_LANGUAGE": "fr"}, "PKS_GEO_LANGUAGE must be 'id' or 'en'"),
])
def test_bad_settings_name_the_variable(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env(env)


def test_paths_are_resolved(tmp_path: Path) -> None:
    settings = Settings.from_env({"PKS_GEO_DATA_DIR": str(tmp_path / "x" / ".." / "d")})
    assert settings.data_dir == tmp_path / "d"


@pytest.mark.parametrize("raw,expected", [
    ("74.05.01.2001", "74.05.01.2001"), ("7405012001", "74.05.01.2001"), (" 74.05 ", "74.05"),
    ("740501", "74.05.01"), (7405012001, "74.05.01.2001"), ("74.5.1.2001", "74.05.01.2001"),
    ("7405012001.0", "74.05.01.2001"), ("74.05.01.20011", None), ("abc", None), ("", None),
    (None, None), ("74050", None),
])
def test_normalize_kode(raw: object, expected: str | None) -> None:
    assert normalize_kode(raw) == expected


def test_levels_parents_and_jenis() -> None:
    assert level_of("74") == "provinsi" and level_of("74.05.01.2001") == "desa"
    assert parent_of("74.05.01.2001") == "74.05.01" and parent_of("74") is None
    assert jenis_of("74.05.01.1001") == "kelurahan" and jenis_of("74.05.01.2001") == "desa"
    assert jenis_of("74.71") == "kota" and jenis_of("74.05") == "kabupaten"
