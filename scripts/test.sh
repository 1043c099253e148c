#!/usr/bin/env bash
# README command 2: set up, then run the whole test suite (real PostGIS, real Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check pks_geo tests bench
.venv/bin/lint-imports  # layers call only downward (pyproject.toml)
.venv/bin/python -m mypy  # types of pks_geo ([tool.mypy] in pyproject.toml)
(cd web && node_modules/.bin/eslint static/js)  # the app's own scripts (web/eslint.config.js)
exec .venv/bin/python -m pytest "$@"
