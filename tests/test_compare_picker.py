"""The two-election comparison compares with any earlier election, picked on the map (issue 19).

The layer used to compare the filter's election with the one just before it, with no way to
choose another. Its legend now carries a picker of every earlier election (the one just before
stays the default); the choice redraws the layer from ``/api/v1/emerging/compare?previous=``,
is kept in the page's link, and works in English and on a phone. Real Chromium, demo data
(elections Pilkades 2017, Pilgub 2018, Pemilu 2019, Pilkada 2024).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from tests.test_map_statistics import _api, _legend, _open, _switch_on, server  # noqa: F401  (fixture)

SHOTS = Path("/tmp/shots")
PICKER = "[data-testid='compare-previous']"


def _options(page) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return page.eval_on_selector_all(f"{PICKER} option", "els => els.map(e => [e.value, e.textContent])")


def test_any_earlier_election_can_be_compared_and_the_link_keeps_it(browser, server: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    context, page, seen = _open(browser, server, "/?level=desa&election=pemilu-2019")
    _switch_on(page, "Perbandingan dua pemilihan", "compare")
    summary = page.locator("[data-testid='compare-summary']")
    assert "dibanding" in summary.inner_text() and "2018" in summary.inner_text()  # default: the one before
    options = _options(page)
    assert [v for v, _ in options] == ["", "pilgub-sultra-2018", "pilkades-2017"]  # earlier, newest first
    assert options[0][1].startswith("Pemilihan sebelumnya (") and "2018" in options[0][1]
    assert page.locator(".pks-compare-pick").inner_text().startswith("Dibanding dengan")
    page.select_option(PICKER, "pilkades-2017")
    page.wait_for_function("() => document.querySelector(\"[data-testid='compare-summary']\")"
                           ".textContent.includes('2017')", timeout=120000)
    page.wait_for_selector("body[data-layercompare='ready']", timeout=120000)
    assert "2019" in summary.inner_text() and "2018" not in summary.inner_text()
    api = _api(page, "/api/v1/emerging/compare?level=desa&election=pemilu-2019&previous=pilkades-2017")
    assert api["previous"] == "pilkades-2017"
    legend = _legend(page, "compare")
    assert {b: c for b, (_, c) in legend.items() if c} == dict(Counter(f["properties"]["change"]
                                                                     for f in api["features"]))
    assert page.eval_on_selector(PICKER, "e => e.value") == "pilkades-2017"
    assert parse_qs(urlparse(page.url).query)["previous"] == ["pilkades-2017"]
    page.screenshot(path=str(SHOTS / "compare-pick-1366.png"))

    # the link opens the same comparison; a later election in the filter drops a choice that is
    # no longer earlier (Pilgub 2018 against Pilkades 2017 stays, 2019 is not offered)
    link = page.url
    second = context.new_page()
    second.goto(link)
    second.wait_for_selector("body[data-layercompare='ready']", timeout=120000)
    assert second.eval_on_selector(PICKER, "e => e.value") == "pilkades-2017"
    assert "2017" in second.locator("[data-testid='compare-summary']").inner_text()
    second.select_option("select[name='election']", "pilgub-sultra-2018")
    second.wait_for_function("() => document.querySelector(\"[data-testid='compare-summary']\")"
                             ".textContent.includes('2018')", timeout=120000)
    assert [v for v, _ in _options(second)] == ["", "pilkades-2017"]
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()


def test_the_picker_in_english_on_a_phone(browser, server: str) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    context, page, seen = _open(browser, server, "/?level=desa&election=pemilu-2019&lang=en", 390, 844)
    _switch_on(page, "Two elections compared", "compare", phone=True)
    page.locator(".leaflet-container").tap(position={"x": 60, "y": 300})  # fold the layer list away
    pick = page.locator(".pks-compare-pick")
    assert pick.inner_text().startswith("Compared with")
    assert _options(page)[0][1].startswith("The election before (")
    box = page.locator(PICKER).bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    assert box["height"] >= 32  # big enough to tap
    page.locator(PICKER).tap()
    page.select_option(PICKER, "pilkades-2017")
    page.wait_for_function("() => document.querySelector(\"[data-testid='compare-summary']\")"
                           ".textContent.includes('2017')", timeout=120000)
    assert "against" in page.locator("[data-testid='compare-summary']").inner_text()
    page.screenshot(path=str(SHOTS / "compare-pick-390.png"))
    assert seen["errors"] == [] and seen["outside"] == []
    context.close()
