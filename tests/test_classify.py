"""Choropleth classification: every scheme against mapclassify itself, zero/no-data handling,
ColorBrewer colours that stay ordered in greyscale, and bilingual labels."""

from __future__ import annotations

import mapclassify as mc
import numpy as np
import pytest

from pks_geo.queries.filters import ParameterError
from pks_geo.stats.classify import SCHEMES, classify, parse_breaks, parse_k
from pks_geo.stats.palettes import (
    NO_DATA_COLOR,
    SEQUENTIAL,
    ZERO_COLOR,
    class_colors,
    luminance,
    ramp,
)

RNG = np.random.default_rng(7)
RATES = np.concatenate([RNG.gamma(0.8, 4.0, 300), np.zeros(40), [np.nan] * 12])
"""Skewed rates with zeros and no-data, shuffled so order matters."""
RNG.shuffle(RATES)
POSITIVE = RATES[RATES > 0]

MAPCLASSIFY = {"quantiles": mc.Quantiles, "fisher_jenks": mc.FisherJenks, "equal_interval": mc.EqualInterval}


@pytest.mark.parametrize("scheme", ["quantiles", "fisher_jenks", "equal_interval"])
@pytest.mark.parametrize("k", range(3, 10))
def test_scheme_matches_mapclassify_on_values_above_zero(scheme: str, k: int) -> None:
    result = classify(RATES, scheme, k)
    reference = MAPCLASSIFY[scheme](POSITIVE, k=k)
    np.testing.assert_allclose(result.breaks, reference.bins)
    assert result.k == len(reference.bins) == k
    positive_classes = [c for c, v in zip(result.classes, RATES, strict=True) if v > 0]
    assert positive_classes == list(reference.yb + 1)
    for cls, value in zip(result.classes, RATES, strict=True):
        if np.isnan(value):
            assert cls is None
        elif value == 0:
            assert cls == 0
    assert result.counts[0] == 40 and result.no_data_count == 12
    assert sum(result.counts) + result.no_data_count == len(RATES)
    assert len(result.colors) == len(result.counts) == len(result.labels["id"]) == k + 1


def test_manual_breaks_match_mapclassify_and_overflow_joins_the_top_class() -> None:
    breaks = [1.0, 2.5, 5.0, 10.0]
    inside = POSITIVE[POSITIVE <= 10.0]
    result = classify(inside, "manual", breaks=breaks)
    assert [c - 1 for c in result.classes] == list(mc.UserDefined(inside, breaks).yb)
    assert result.breaks == breaks
    overflow = classify(RATES, "manual", breaks=breaks)
    assert overflow.k == 4
    assert overflow.breaks[-1] == pytest.approx(np.nanmax(RATES))
    top = [v for c, v in zip(overflow.classes, RATES, strict=True) if c == 4]
    assert min(top) > 5.0 and max(top) == pytest.approx(np.nanmax(RATES))


def test_zero_and_no_data_are_never_the_top_class() -> None:
    values = [0, 0, 0, 0, None, float("nan"), 1, 2, 3, 50]
    result = classify(values, "quantiles", 3)
    assert result.classes[:6] == [0, 0, 0, 0, None, None]
    assert result.classes[-1] == result.k
    assert result.colors[0] == ZERO_COLOR
    assert NO_DATA_COLOR not in result.colors
    legend = result.legend("en")
    assert legend["no_data"] == {"label": "No data", "color": NO_DATA_COLOR, "pattern": "hatch", "count": 2}
    assert legend["zero_class"] == 0 and legend["counts"][0] == 4


def test_few_distinct_values_get_one_class_each_and_all_zero_gets_none() -> None:
    result = classify([0, 1, 1, 2, 2, 2], "fisher_jenks", 5, integer=True)
    assert result.k == 2 and result.k_requested == 5
    assert result.classes == [0, 1, 1, 2, 2, 2]
    assert result.labels["id"] == ["0", "1", "2"]
    assert result.colors[1:] == list(ramp("YlOrRd", 3)[1:])
    empty = classify([0, 0, None], "quantiles", 5)
    assert empty.k == 0 and empty.breaks == [] and empty.classes == [0, 0, None]
    assert empty.counts == [2] and empty.colors == [ZERO_COLOR]


def test_colours_are_colorbrewer_and_one_step_darker_than_zero() -> None:
    # ColorBrewer YlOrRd with 6 classes; 5 classes take its darkest 5 so zero stays white.
    assert class_colors("YlOrRd", 5) == ["#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026"]
    assert ramp("Blues", 3) == ("#deebf7", "#9ecae1", "#3182bd")
    assert classify(RATES, "quantiles", 5, palette="Blues").colors[1:] == class_colors("Blues", 5)


@pytest.mark.parametrize("palette", SEQUENTIAL)
def test_every_palette_reads_light_to_dark_in_greyscale(palette: str) -> None:
    for k in range(1, 10):
        shades = [luminance(ZERO_COLOR)] + [luminance(c) for c in class_colors(palette, k)]
        assert all(a > b for a, b in zip(shades, shades[1:], strict=False)), (palette, k)
        assert len(set(class_colors(palette, k))) == k


def test_labels_are_indonesian_and_english() -> None:
    result = classify([0.0, 0.25, 1.5, 2.75, 1234.5, None], "manual", breaks=[0.5, 2.0, 3.0, 2000.0])
    assert result.labels["id"][0] == result.labels["en"][0] == "0"
    assert result.labels["en"][1:] == ["> 0 – 0.5", "> 0.5 – 2.0", "> 2.0 – 3.0", "> 3.0 – 2,000.0"]
    assert result.labels["id"][1:] == ["> 0 – 0,5", "> 0,5 – 2,0", "> 2,0 – 3,0", "> 3,0 – 2.000,0"]
    assert result.legend("id")["no_data"]["label"] == "Tidak ada data"
    counts = classify([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], "equal_interval", 3, integer=True)
    assert counts.labels["en"] == ["0", "1–4", "5–8", "9–12"]


@pytest.mark.parametrize("call,parameter", [
    (lambda: classify([1, 2], "natural"), "scheme"),
    (lambda: classify([1, 2], "quantiles", 2), "k"),
    (lambda: classify([1, 2], "quantiles", 10), "k"),
    (lambda: classify([1, 2], "manual"), "breaks"),
    (lambda: classify([1, 2], "quantiles", breaks=[1, 2, 3]), "breaks"),
    (lambda: classify([1, 2], "quantiles", palette="Rainbow"), "palette"),
    (lambda: parse_k("five"), "k"),
    (lambda: parse_breaks("1,x,3"), "breaks"),
    (lambda: parse_breaks("3,2,1"), "breaks"),
    (lambda: parse_breaks("0,1,2"), "breaks"),
    (lambda: parse_breaks("1,2"), "breaks"),
])
def test_bad_parameters_name_the_parameter(call, parameter: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as info:
        call()
    assert info.value.parameter == parameter


def test_schemes_are_the_documented_four() -> None:
    assert SCHEMES == ("quantiles", "fisher_jenks", "equal_interval", "manual")
