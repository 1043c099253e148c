"""Our Gi* and local Moran against an independent oracle: R spdep's ``localG`` and
``localmoran`` on the same weights and values, stored in ``tests/oracles/spdep_reference.json``
(re-run: ``tests/oracles/make_spdep_reference.py``; R is not needed here)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from pks_geo.stats.hotspots import gi_star, local_moran
from tests.hotspot_data import ks_desa_weights

REFERENCE = json.loads((Path(__file__).parent / "oracles" / "spdep_reference.json").read_text())
TOLERANCE = 1e-6


def test_the_oracle_used_the_weights_the_app_builds() -> None:
    weights = ks_desa_weights()
    assert REFERENCE["ids"] == weights.ids
    assert REFERENCE["neighbors"] == {k: sorted(weights.neighbors[k]) for k in weights.ids}


@pytest.mark.parametrize("case", sorted(REFERENCE["values"]))
def test_gi_star_and_lisa_agree_with_spdep(case: str) -> None:
    weights = ks_desa_weights()
    y = np.asarray(REFERENCE["values"][case], dtype=float)
    ref = {k: np.asarray(v, dtype=float) for k, v in REFERENCE["reference"][case].items()}
    gi = gi_star(y, weights, fdr=False)
    lisa = local_moran(y, weights, fdr=False)
    differences = {
        "gi_z": np.abs(gi["gi_z"].to_numpy(float) - ref["gi_z"]).max(),
        "gi_p": np.abs(gi["p_value"].to_numpy(float) - ref["gi_p"]).max(),
        "lisa_i": np.abs(lisa["lisa_i"].to_numpy(float) - ref["lisa_i"]).max(),
        "lisa_z": np.abs(lisa["lisa_z"].to_numpy(float) - ref["lisa_z"]).max(),
        "lisa_p": np.abs(lisa["p_value"].to_numpy(float) - ref["lisa_p"]).max(),
    }
    print(case, {k: f"{v:.2e}" for k, v in differences.items()})
    assert all(v <= TOLERANCE for v in differences.values()), differences
    assert (np.sign(lisa["lisa_z"].to_numpy(float)) == np.sign(ref["lisa_z"])).all()
    permuted = local_moran(y, weights, permutations=99, fdr=False, inference="permutation")
    np.testing.assert_allclose(permuted["lisa_i"].to_numpy(float), ref["lisa_i"], rtol=0, atol=TOLERANCE)
