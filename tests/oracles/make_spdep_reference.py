"""Write ``tests/oracles/spdep_reference.json``: R spdep's Gi* and local Moran on the real
Konawe Selatan desa weights, the reference ``tests/test_spdep_oracle.py`` compares against.

Why an oracle in another language: esda and our sparse formulas share authors' conventions; R
``spdep`` (Bivand) is an independent implementation of the same published statistics, so
agreement to 1e-6 checks our z-scores, p-values and the LISA moments, not just our code
against itself. R stays out of the normal test run: this script is run by hand when the
statistics or the weights change, and the JSON it writes is committed.

Re-run (needs ``apt-get install r-cran-spdep``; about 10 s):

    cd <checkout> && PYTHONPATH=$PWD .venv/bin/python tests/oracles/make_spdep_reference.py

The cases: gamma-distributed values, Poisson(0.4) counts with a planted cluster of 8 desa,
Poisson(3) counts (fixed seeds). The weights are the app's fuzzy-queen weights with islands
joined; the JSON stores them too, so the test notices when the weights drift.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.hotspot_data import ks_desa_weights  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE / "spdep_reference.json"


def cases(ids: list[str], neighbors: dict[str, list[str]]) -> dict[str, list[float]]:
    n = len(ids)
    gamma = np.random.default_rng(5).gamma(2.0, 3.0, n)
    planted = np.random.default_rng(7).poisson(0.4, n).astype(float)
    members = {"74.05.11.2016", *neighbors["74.05.11.2016"][:7]}
    for k in members:
        planted[ids.index(k)] = 12.0
    poisson3 = np.random.default_rng(11).poisson(3.0, n).astype(float)
    return {"gamma": [round(float(v), 6) for v in gamma], "planted": planted.tolist(),
            "poisson3": poisson3.tolist()}


def main() -> None:
    weights = ks_desa_weights()
    ids = list(weights.ids)
    pos = {k: i for i, k in enumerate(ids)}
    values = cases(ids, weights.neighbors)
    with tempfile.TemporaryDirectory() as tmp:
        edges, vals, out = Path(tmp, "edges.csv"), Path(tmp, "values.csv"), Path(tmp, "out.csv")
        with edges.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["i", "j"])
            for a in ids:
                for b in sorted(weights.neighbors[a]):
                    writer.writerow([pos[a] + 1, pos[b] + 1])
        with vals.open("w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(list(values))
            writer.writerows(zip(*values.values(), strict=True))
        run = subprocess.run(["Rscript", str(HERE / "spdep_oracle.R"), str(edges), str(vals), str(out)],
                             check=True, capture_output=True, text=True)
        rows = list(csv.DictReader(out.open()))
    reference: dict[str, dict[str, list[float]]] = {}
    for row in rows:
        columns = ("gi_z", "gi_p", "lisa_i", "lisa_z", "lisa_p")
        case = reference.setdefault(row["case"], {k: [] for k in columns})
        for key in case:
            case[key].append(float(row[key]))
    document = {"generator": "tests/oracles/make_spdep_reference.py + spdep_oracle.R",
                "spdep": run.stdout.strip(), "ids": ids,
                "neighbors": {k: sorted(weights.neighbors[k]) for k in ids},
                "values": values, "reference": reference}
    OUT.write_text(json.dumps(document, indent=None, separators=(",", ":")) + "\n")
    print(f"written {OUT} ({run.stdout.strip()})")


if __name__ == "__main__":
    main()
