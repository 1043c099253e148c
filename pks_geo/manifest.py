"""The boundary manifest (``data/boundaries/manifest.toml``): default region and expectations."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from pks_geo.config import DATA_DIR

MANIFEST_PATH = DATA_DIR / "boundaries" / "manifest.toml"


@dataclass(frozen=True)
class Manifest:
    region_kode: str
    region_nama: str
    files: list[str]
    mirror: str
    expected_kecamatan: dict[str, str]
    expected_desa: int
    expected_kelurahan: int
    source_name: str
    licence: str

    def boundary_paths(self, boundaries_dir: Path) -> list[Path]:
        return [boundaries_dir / name for name in self.files]


def load_manifest(path: Path = MANIFEST_PATH) -> Manifest:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return Manifest(
        region_kode=data["region"]["kode"],
        region_nama=data["region"]["nama"],
        files=list(data["source"]["files"]),
        mirror=data["source"].get("mirror", "source"),
        expected_kecamatan=dict(data["expected_kecamatan_names"]),
        expected_desa=int(data["region"]["expected_desa"]),
        expected_kelurahan=int(data["region"]["expected_kelurahan"]),
        source_name=data["source"]["name"],
        licence=data["source"]["licence"],
    )
