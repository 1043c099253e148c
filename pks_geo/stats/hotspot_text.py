"""Words for hot-spot results: the legend's one-line summary, the rule, and the per-area
explanation ("why is this desa a hot spot?") in Bahasa Indonesia or English.

Kept as data fields of the API answer (``significance.summary``, ``significance.rule`` and
per feature ``neighbours``, ``explanation``) so the map popup, the side panel and exports
show the same sentence; planners read these, so no jargon beyond z, p and FDR.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from pks_geo import catalogue
from pks_geo.stats.hotspots import HotspotResult, plain

TEXT: dict[str, dict[str, str]] = catalogue.by_language("hs_")
"""``{lang: {key: text}}``: messages ``hs_*`` of the UI catalogue (pks_geo/translations)."""
CUTS = {3: "0,01", 2: "0,05", 1: "0,1"}


def number(value: Any, lang: str, digits: int = 2) -> str:
    """A number as planners read it: decimal comma in Indonesian, small p-values in e-notation."""
    value = plain(value)
    if value is None:
        return "–"
    value = float(value)
    if value.is_integer() and abs(value) < 1e9:
        text = f"{int(value):,}".replace(",", "." if lang == "id" else ",")
        return text
    text = f"{value:.2e}" if 0 < abs(value) < 10 ** -digits else f"{value:.{digits}f}"
    return text.replace(".", ",") if lang == "id" else text


def _t(lang: str) -> dict[str, str]:
    return TEXT.get(lang, TEXT["id"])


def how(result: HotspotResult, lang: str) -> str:
    t = _t(lang)
    if result.inference == "permutation":
        return t["how_permutation"].format(r=number(result.permutations_run, lang))
    return t["how_analytic"] if result.method == "gi_star" else t["how_analytic_lisa"]


def rule(result: HotspotResult, lang: str, level: str | None = None) -> str:
    """The significance rule in one sentence."""
    t = _t(lang)
    n = result.significance()["n_areas_tested"]
    key = "rule_fdr" if result.fdr else "rule_raw"
    return t[key].format(n=number(n, lang), level=t.get(level or "areas", level), how=how(result, lang))


def summary(result: HotspotResult, lang: str, level: str | None = None) -> str:
    """The legend's one line: "FDR 5 %: 8 desa titik panas, 0 titik dingin"."""
    t = _t(lang)
    if result.insufficient_data:
        n = result.n_incidents if result.n_incidents is not None else result.suppressed_label
        why = t[result.reason_code or "few_incidents"].format(n=n, min=result.min_incidents)
        return t["thin"].format(why=why)
    scope = t["scope_fdr" if result.fdr else "scope_raw"]
    word = t.get(level or "areas", level)
    counts = result.counts()
    if result.method == "gi_star":
        hot = counts["hot"]["99"] + counts["hot"]["95"]
        cold = counts["cold"]["99"] + counts["cold"]["95"]
        return t["summary_gi"].format(scope=scope, hot=hot, cold=cold, level=word)
    c = counts["clusters"]
    return t["summary_lisa"].format(scope=scope, hh=c["HH"], ll=c["LL"], out=c["HL"] + c["LH"], level=word)


def _hidden(result: HotspotResult, kode: str) -> bool:
    """Whether the disclosure policy suppressed this area's value (see ``hotspots.disclosed``)."""
    return "suppressed" in result.table.columns and bool(result.table.at[kode, "suppressed"])


def _shown(result: HotspotResult, kode: str, lang: str) -> str:
    if _hidden(result, kode):
        return result.suppressed_label or "–"
    return number(result.table.at[kode, "value"], lang)


def _neighbour_list(result: HotspotResult, kode: str) -> list[dict[str, Any]]:
    table = result.table
    out = []
    for n in sorted(result.neighbours.get(kode, [])):
        item = {"kode": n, "nama": plain(table.at[n, "nama"]), "value": plain(table.at[n, "value"])}
        if _hidden(result, n):
            item["suppressed"] = True
        out.append(item)
    return out


def explain_area(result: HotspotResult, kode: str, lang: str) -> str | None:
    """One sentence: value, neighbours and their values, statistic, p, p_fdr, class and why."""
    t = _t(lang)
    row = result.table.loc[kode]
    if result.insufficient_data or plain(row["p_value"]) is None:
        return None
    neigh = _neighbour_list(result, kode)
    listed = ", ".join(f"{n['nama']} {_shown(result, n['kode'], lang)}" for n in neigh) or t["none"]
    pname, pv = ("p_fdr", row["p_fdr"]) if result.fdr else ("p", row["p_value"])
    common = {"nama": row["nama"], "value": _shown(result, kode, lang), "k": len(neigh), "neigh": listed,
              "p": number(row["p_value"], lang, 4), "pfdr": number(row["p_fdr"], lang, 4)}
    pv_text = number(pv, lang, 4)
    if result.method == "gi_star":
        b = int(row["gi_bin"])
        if b == 0:
            why = t["why_ns"].format(pname=pname, pv=pv_text)
        else:
            cut = CUTS[abs(b)] if lang == "id" else CUTS[abs(b)].replace(",", ".")
            why = t["why_sig"].format(label=t[f"hot_{b}"], pname=pname, pv=pv_text, cut=cut,
                                      sign=t["positive" if b > 0 else "negative"])
        return t["explain_gi"].format(**common, z=number(row["gi_z"], lang), why=why)
    q, cluster = row["quadrant"], row["lisa_cluster"]
    why = (t["why_lisa_sig"] if cluster != "ns" else t["why_lisa_ns"]).format(q=q, pname=pname, pv=pv_text)
    return t["explain_lisa"].format(**common, i=number(row["lisa_i"], lang), why=why)


def explained_table(result: HotspotResult, lang: str) -> pd.DataFrame:
    """The result table plus ``neighbours`` (kode, nama, value each) and ``explanation``."""
    table = result.table.copy()
    table["neighbours"] = [_neighbour_list(result, k) for k in table.index]
    table["explanation"] = [explain_area(result, k, lang) for k in table.index]
    return table


def significance_members(result: HotspotResult, lang: str, level: str | None) -> dict[str, Any]:
    """``significance`` member with the legend line and the rule added."""
    return {**result.significance(), "summary": summary(result, lang, level),
            "rule": rule(result, lang, level)}
