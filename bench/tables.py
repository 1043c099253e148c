"""Markdown tables of the scale suite from kept result files, for bench/README.md.

Why: the README's figures must come from results that are kept (issue 21), so they are printed
from the JSON that ``run_all.py`` writes instead of being copied by hand. Usage:
``.venv/bin/python bench/tables.py bench/results/run_all-A.json [bench/results/run_all-B.json ...]``
(later files win for a scale present in several).
"""

from __future__ import annotations

import argparse
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TILE_ZOOMS = {"kabupaten": ("desa", (10, 12, 14)), "province": ("desa", (8, 10, 12)),
              "national": ("kecamatan", (6, 8, 10)), "million": ("desa", (8, 10, 12))}


def load(paths: Iterable[Path]) -> dict[tuple[str, str], dict[str, Any]]:
    """Rows keyed by (scale, measurement name, reference); later files replace earlier scales."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for path in paths:
        results = json.loads(path.read_text())["results"]
        scales = {r["scale"] for r in results}
        rows = {key: row for key, row in rows.items() if key[0] not in scales}
        for r in results:
            rows[(r["scale"], f"{r['name']}|{r['reference']}")] = r
    return rows


def _find(rows: dict[tuple[str, str], dict[str, Any]], scale: str, name: str) -> dict[str, Any] | None:
    for (row_scale, key), row in rows.items():
        if row_scale == scale and key.split("|")[0] == name:
            return row
    return None


def _num(value: float | None, digits: int = 1) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "–" if missing else f"{value:,.{digits}f}"


def tile_table(rows: dict[tuple[str, str], dict[str, Any]]) -> list[str]:
    """(T): endpoint p50/p95 against the bare ST_AsMVT statement, and the cache hit p95."""
    out = ["| scale, zoom | outline p50 / p95 | bare SQL p50 / p95 (ratios) | choropleth p50 / p95 "
           "| bare SQL p50 / p95 (ratios) | cache hit p95, outline / choropleth |",
           "|---|---|---|---|---|---|"]
    for scale, (level, zooms) in TILE_ZOOMS.items():
        for z in zooms:
            cells, hits = [], []
            for kind in ("outline", "choropleth"):
                p50 = _find(rows, scale, f"{level} tile z{z} {kind} p50 (HTTP, tile cache off)")
                p95 = _find(rows, scale, f"{level} tile z{z} {kind} p95 (HTTP, tile cache off)")
                hit = _find(rows, scale, f"{level} tile z{z} {kind} p95, cache hit (HTTP)")
                if p50 is None or p95 is None or hit is None:
                    break
                cells += [f"{_num(p50['value'])} / {_num(p95['value'])}",
                          f"{_num(p50['reference_value'])} / {_num(p95['reference_value'])} "
                          f"({_num(p50['ratio'], 2)} / {_num(p95['ratio'], 2)})"]
                hits.append(_num(hit["value"]))
            if len(cells) == 4:
                out.append(f"| {scale} z{z} | " + " | ".join(cells) + f" | {' / '.join(hits)} |")
    return out


def group_table(rows: dict[tuple[str, str], dict[str, Any]], groups: str) -> list[str]:
    """Every other row of the given groups: value, reference and ratio as run_all wrote them."""
    out = ["| group | scale | measurement | pks-geo | reference (what it is) | ratio |",
           "|---|---|---|---|---|---|"]
    for (scale, _), r in rows.items():
        if r["group"] in groups:
            ref = f"{_num(r['reference_value'])} {r['unit']} ({r['reference']})" if r["reference"] else "–"
            out.append(f"| {r['group']} | {scale} | {r['name']} | {_num(r['value'])} {r['unit']} | {ref} "
                       f"| {_num(r['ratio'], 2)} |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", nargs="+", type=Path, help="run_all-*.json files")
    rows = load(parser.parse_args().results)
    print("\n".join(tile_table(rows)))
    print()
    print("\n".join(group_table(rows, "LJGFHB")))


if __name__ == "__main__":
    main()
