#!/usr/bin/env bash
# Install the Debian packages pks-geo needs, only when they are missing:
# PostgreSQL 15 + PostGIS 3 + pgRouting (database; pgRouting routes patrols along a loaded road
# network), Chromium (browser tests), Node.js/npm (front-end assets),
# GDAL's command-line tools (gdal-bin: the tests read the OGC API with ogrinfo/ogr2ogr as GIS staff do).
set -euo pipefail

need=()
command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 || need+=(postgis postgresql-15-postgis-3)
ls /usr/share/postgresql/*/extension/pgrouting.control >/dev/null 2>&1 || need+=(postgresql-15-pgrouting)
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [[ "${PKS_GEO_SKIP_BROWSER:-0}" != "1" ]]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
command -v ogr2ogr >/dev/null 2>&1 || need+=(gdal-bin)
command -v runuser >/dev/null 2>&1 || need+=(util-linux)
# R spdep only to regenerate the statistics oracle (tests/oracles/make_spdep_reference.py); the
# test run reads its committed JSON, so CI does not need R.
if [[ "${PKS_GEO_ORACLE:-0}" == "1" ]]; then
  command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(spdep)' >/dev/null 2>&1 || need+=(r-cran-spdep)
fi

if ((${#need[@]})); then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
