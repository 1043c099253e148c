"""The package works from its wheel alone (issue 18): ``pip wheel`` of a copy of the repository,
``pip install --no-deps`` of that wheel into a fresh venv, the copy deleted, and ``pks-geo serve``
started from an unrelated folder serves the map page, its static files and its npm packages.

The fresh venv borrows the dependencies of the test venv through a ``.pth`` line naming its
site-packages (a plain path: the test venv's own ``.pth`` files, e.g. the editable install of this
checkout, are not run), so only pks-geo itself comes from the wheel and nothing is downloaded
except the build backend pip fetches for an isolated build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import time
import urllib.request
from pathlib import Path

from pks_geo.config import PROJECT_ROOT
from pks_geo.web.assets import MAP_SCRIPTS, MAP_STYLES, SERVED_PACKAGES
from tests.live_server import free_port


def _copy_tracked(target: Path) -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                             check=True).stdout.splitlines()
    for name in tracked:
        source = PROJECT_ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    # npm packages are installed at set-up (scripts/setup.sh), not tracked
    (target / "web" / "node_modules").symlink_to((PROJECT_ROOT / "web" / "node_modules").resolve())


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def test_the_wheel_installed_in_a_fresh_venv_serves_the_map(  # type: ignore[no-untyped-def]
        database_url: str, loaded, tmp_path: Path) -> None:
    # no PYTHONPATH (it names this checkout), no settings of the test run
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PKS_GEO_", "PYTHON"))}
    env.update(PKS_GEO_DATABASE_URL=database_url, HOME=str(tmp_path / "home"))
    source = tmp_path / "source" / "pks-geo"
    _copy_tracked(source)
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
                   check=True, capture_output=True, timeout=180, env=env)
    wheel = next(dist.glob("pks_geo-*.whl"))
    shutil.rmtree(tmp_path / "source")  # nothing may refer back to the tree it was built from

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=60)
    python = venv / "bin" / "python"
    ask = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    purelib = Path(subprocess.run([str(python), "-c", ask], capture_output=True, text=True,
                                  check=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True, timeout=120, env=env)
    # after the install, so that pip does not find the test venv's pks-geo 'already satisfied'
    (purelib / "borrowed-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ask = "import pks_geo.config as c; print(c.__file__); print(c.WEB_DIR)"
    where = subprocess.run([str(python), "-c", ask], cwd=elsewhere, env=env, capture_output=True, text=True,
                           check=True).stdout.split()
    assert where[0].startswith(str(purelib)) and where[1] == str(purelib / "pks_geo" / "_bundle" / "web")
    bundle = purelib / "pks_geo" / "_bundle"
    for package, subdir in SERVED_PACKAGES.items():
        assert (bundle / "web" / "node_modules" / package / subdir).is_dir(), package
    for name in ("boundaries/manifest.toml", "boundaries/konawe_selatan_desa.geojson",
                 "boundaries/LICENSE-wilayah_boundaries.txt", "taxonomy.toml", "elections.toml",
                 "security/risk.toml"):
        assert (bundle / "data" / name).is_file(), name
    for lang in ("id", "en"):  # the catalogues, compiled by the build (setup.py), not at first use
        messages = purelib / "pks_geo" / "translations" / lang / "LC_MESSAGES"
        assert (messages / "messages.po").is_file() and (messages / "messages.mo").stat().st_size > 10_000

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with open(log, "wb") as stderr:
        server = subprocess.Popen([str(venv / "bin" / "pks-geo"), "serve", "--port", str(port),
                                   "--threads", "4"], cwd=elsewhere, env=env,
                                  stdout=subprocess.DEVNULL, stderr=stderr)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/healthz")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
        status, page = _get(base + "/")
        assert status == 200 and b"/vendor/leaflet/leaflet.js" in page and b"/static/js/map.js" in page
        assert b"Filter peta" in page  # an Indonesian text from the installed catalogue
        status, page = _get(base + "/?lang=en")
        assert status == 200 and b"Map filters" in page
        for _, url in [*MAP_SCRIPTS, *MAP_STYLES, ("map", "/static/js/map.js")]:
            status, body = _get(base + url)
            assert status == 200 and body, url
        status, body = _get(base + "/api/v1/choropleth?level=kecamatan")
        assert status == 200 and body.count(b'"kode"') >= 25
    finally:
        server.terminate()
        server.wait(timeout=15)
