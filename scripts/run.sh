#!/usr/bin/env bash
# README command 1: set up, start the local PostGIS, load the demo data, serve on :5000.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/pks-geo demo
exec .venv/bin/pks-geo serve --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
