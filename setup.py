"""Build step that puts the project's non-Python files into the wheel (everything else is in
``pyproject.toml``).

The repository keeps ``web/`` (templates, static files, npm packages) and ``data/`` (boundaries,
manifest, TOML settings) at the top level. A wheel can only carry files inside its packages, so
``build_py`` copies them to ``pks_geo/_bundle/web`` and ``pks_geo/_bundle/data`` of the build;
:data:`pks_geo.config.RESOURCE_ROOT` points from there when it exists (installed wheel) and from the checkout
otherwise (editable install, tests). Of ``web/node_modules`` only what ``/vendor/...`` serves goes in:
each package's ``dist/`` with its ``package.json`` and licence. The gettext catalogues
(``pks_geo/translations/*/LC_MESSAGES/messages.po``, package data) are compiled to ``.mo`` here too
(Babel, a build requirement in pyproject.toml); a checkout compiles them on first use instead.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
VENDOR_PACKAGES = ("leaflet", "leaflet.markercluster", "leaflet.vectorgrid", "uplot")
"""npm packages served under /vendor (pks_geo.web.assets.SERVED_PACKAGES; a test keeps them equal)."""
VENDOR_FILES = ("package.json", "LICENSE", "LICENSE.md", "LICENSE.txt", "MIT-LICENCE.txt")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


def _copy_bundle(target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    for folder in ("templates", "static"):
        shutil.copytree(ROOT / "web" / folder, target / "web" / folder, ignore=SKIP)
    user_files = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "data", target / "data", ignore=user_files)
    official = target / "data" / "boundaries" / "official"  # a user's BIG/BPS files: not ours to ship
    if official.is_dir():
        shutil.rmtree(official)
        official.mkdir()
        (official / ".gitkeep").touch()
    for package in VENDOR_PACKAGES:
        source = ROOT / "web" / "node_modules" / package
        if not (source / "dist").is_dir():
            raise SystemExit(f"web/node_modules/{package} is missing: run 'npm ci' in web/ before "
                             "building the wheel (scripts/setup.sh does this)")
        shutil.copytree(source / "dist", target / "web" / "node_modules" / package / "dist", ignore=SKIP)
        for name in VENDOR_FILES:
            if (source / name).is_file():
                shutil.copy2(source / name, target / "web" / "node_modules" / package / name)


def _compile_catalogues(package: Path) -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted((package / "translations").glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        with po.with_suffix(".mo").open("wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)


class BuildPyWithBundle(build_py):
    """``build_py`` plus the copy of web/ and data/ (not for editable installs: they use the checkout)."""

    def run(self) -> None:
        super().run()
        if not getattr(self, "editable_mode", False):
            _compile_catalogues(Path(self.build_lib) / "pks_geo")
        if not getattr(self, "editable_mode", False):
            _copy_bundle(Path(self.build_lib) / "pks_geo" / "_bundle")


setup(cmdclass={"build_py": BuildPyWithBundle})
