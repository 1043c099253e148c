"""Personnel calculator: police and Linmas needed per Polsek and Polres for one election.

Totals are per police jurisdiction, never per kecamatan, because a plan is executed by a
command: the kecamatan -> Polsek -> Polres table is data (``jurisdictions.toml``), and part
of Konawe Selatan is policed by Polresta Kendari.

For each Polsek and category, the TPS of that category are grouped by the profile's ratio
(``police`` officers per ``tps`` TPS): ``groups = ceil(n_tps / tps)``, ``police = groups x
police``, Linmas likewise (or "not given" when the profile's source does not say). A share
of each unit's available strength is held back in reserve (``reserve_share``); the rest
(rounded down) is deployable. A Polsek whose requirement exceeds its deployable strength
has a shortfall. At Polres level strength is pooled: the HQ's deployable strength plus all
its Polsek's, against the sum of their requirements.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Engine

from pks_geo.models import KERAWANAN
from pks_geo.planning.risk import RiskResult, TpsRisk, compute_risk
from pks_geo.planning.security_data import Profile, SecurityData, load_security_data
from pks_geo.queries.filters import ParameterError

UNASSIGNED = "_unassigned"


@dataclass
class CategoryNeed:
    n_tps: int
    groups: int
    police: int
    linmas: int | None


@dataclass
class UnitPlan:
    """Requirement against strength of one Polsek or Polres."""

    id: str
    name: str
    level: str
    polres: str | None
    kecamatan: list[str]
    n_tps: int
    by_category: dict[str, CategoryNeed]
    police_required: int
    linmas_required: int | None
    available: int
    reserve_share: float
    reserve: int
    deployable: int
    shortfall: int
    surplus: int
    polsek_shortfall: int | None = None
    """Polres only: sum of its Polsek's own shortfalls, before pooling."""

    @property
    def status(self) -> str:
        return "kurang" if self.shortfall > 0 else "cukup"

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["status"] = self.status
        return out


@dataclass
class PersonnelPlan:
    election: str
    profile: Profile
    reserve_share: float
    reserve_source: str
    polsek: list[UnitPlan]
    polres: list[UnitPlan]
    notes: list[str] = field(default_factory=list)

    def totals(self) -> dict[str, Any]:
        linmas = [u.linmas_required for u in self.polsek]
        return {
            "n_tps": sum(u.n_tps for u in self.polsek),
            "police_required": sum(u.police_required for u in self.polsek),
            "linmas_required": None if any(v is None for v in linmas) else sum(v or 0 for v in linmas),
            "available": sum(u.available for u in self.polres),
            "deployable": sum(u.deployable for u in self.polres),
            "shortfall": sum(u.shortfall for u in self.polres),
            "polsek_with_shortfall": [u.id for u in self.polsek if u.shortfall > 0],
        }

    def as_dict(self) -> dict[str, Any]:
        p = self.profile
        return {
            "election": self.election,
            "profile": {"id": p.id, "name": p.name, "source": p.source, "note": p.note,
                        "ratios": {c: asdict(r) for c, r in p.ratios.items()}},
            "reserve_share": self.reserve_share, "reserve_source": self.reserve_source,
            "totals": self.totals(),
            "polres": [u.as_dict() for u in self.polres],
            "polsek": [u.as_dict() for u in self.polsek],
            "notes": self.notes,
        }


def choose_profile(data: SecurityData, profile: str | None, election_kind: str | None) -> Profile:
    if profile is None:
        return data.profiles.for_election(election_kind)
    if profile not in data.profiles.profiles:
        raise ParameterError("profile", f"unknown profile {profile!r}; known: "
                                        f"{', '.join(data.profiles.profiles)}")
    return data.profiles.profiles[profile]


def check_reserve(value: float | str | None) -> float | None:
    if value is None or value == "":
        return None
    try:
        share = float(value)
    except (TypeError, ValueError):
        raise ParameterError("reserve", f"expected a share between 0 and 0.95, got {value!r}") from None
    if not 0.0 <= share <= 0.95:
        raise ParameterError("reserve", f"expected a share between 0 and 0.95, got {value!r}")
    return share


def _needs(counts: Counter, profile: Profile) -> tuple[dict[str, CategoryNeed], int, int | None]:
    by_category: dict[str, CategoryNeed] = {}
    police, linmas, linmas_known = 0, 0, True
    for category in KERAWANAN:
        ratio = profile.ratios[category]
        n = counts.get(category, 0)
        groups = math.ceil(n / ratio.tps)
        need_linmas = None if ratio.linmas is None else groups * ratio.linmas
        by_category[category] = CategoryNeed(n, groups, groups * ratio.police, need_linmas)
        police += groups * ratio.police
        if n and need_linmas is None:
            linmas_known = False
        linmas += need_linmas or 0
    return by_category, police, linmas if linmas_known else None


def _deployable(available: int, share: float) -> int:
    return math.floor(available * (1.0 - share) + 1e-9)


def plan_personnel(election: str, tps: Iterable[tuple[str | None, str]], data: SecurityData, profile: Profile,
                   reserve_share: float | None = None) -> PersonnelPlan:
    """Plan from (polsek id or ``None``, category) pairs, one per TPS."""
    share, share_source = _reserve(data, profile, reserve_share)
    counts: dict[str, Counter] = {}
    for polsek_id, category in tps:
        counts.setdefault(polsek_id or UNASSIGNED, Counter())[category] += 1
    juris = data.jurisdictions
    polsek_plans: list[UnitPlan] = []
    for sid, unit in juris.polsek.items():
        by_category, police, linmas = _needs(counts.get(sid, Counter()), profile)
        deployable = _deployable(unit.available, share)
        polsek_plans.append(UnitPlan(
            sid, unit.name, "polsek", unit.polres, list(unit.kecamatan),
            sum(c.n_tps for c in by_category.values()), by_category, police, linmas, unit.available,
            share, unit.available - deployable, deployable, max(0, police - deployable),
            max(0, deployable - police)))
    notes: list[str] = []
    if UNASSIGNED in counts:
        by_category, police, linmas = _needs(counts[UNASSIGNED], profile)
        n = sum(counts[UNASSIGNED].values())
        polsek_plans.append(UnitPlan(UNASSIGNED, "(tanpa Polsek)", "polsek", None, [], n, by_category, police,
                                     linmas, 0, share, 0, 0, police, 0))
        notes.append(f"{n} TPS lie in kecamatan that jurisdictions.toml assigns to no Polsek")
    used = {category for counter in counts.values() for category, n in counter.items() if n}
    notes.extend(f"{category}: {ratio.note or 'assumed figure'}"
                 for category, ratio in profile.ratios.items() if ratio.assumed and category in used)
    polres_plans = [_polres_plan(pid, data, share, [p for p in polsek_plans if p.polres == pid])
                    for pid in juris.polres]
    return PersonnelPlan(election, profile, share, share_source, polsek_plans, polres_plans, notes)


def _reserve(data: SecurityData, profile: Profile, requested: float | None) -> tuple[float, str]:
    """The reserve share and where it comes from: the request, the profile, else the default."""
    if requested is not None:
        return requested, "request parameter reserve"
    if profile.reserve_share is not None:
        return profile.reserve_share, f"profile {profile.id}: {profile.source}"
    return data.jurisdictions.reserve_share, data.jurisdictions.reserve_source


def _polres_plan(pid: str, data: SecurityData, share: float, members: list[UnitPlan]) -> UnitPlan:
    unit = data.jurisdictions.polres[pid]
    by_category: dict[str, CategoryNeed] = {}
    for category in KERAWANAN:
        needs = [m.by_category[category] for m in members]
        unknown = any(n.linmas is None and n.n_tps for n in needs)
        by_category[category] = CategoryNeed(
            sum(n.n_tps for n in needs), sum(n.groups for n in needs), sum(n.police for n in needs),
            None if unknown else sum(n.linmas or 0 for n in needs))
    police = sum(m.police_required for m in members)
    linmas_values = [m.linmas_required for m in members]
    linmas = None if any(v is None for v in linmas_values) else sum(v or 0 for v in linmas_values)
    available = unit.available + sum(m.available for m in members)
    deployable = _deployable(unit.available, share) + sum(m.deployable for m in members)
    return UnitPlan(pid, unit.name, "polres", None, [k for m in members for k in m.kecamatan],
                    sum(m.n_tps for m in members), by_category, police, linmas, available, share,
                    available - deployable, deployable, max(0, police - deployable),
                    max(0, deployable - police), polsek_shortfall=sum(m.shortfall for m in members))


def personnel_plan(engine: Engine, election: str | None = None, profile: str | None = None, *,
                   reserve_share: float | None = None, data: SecurityData | None = None,
                   risk: RiskResult | None = None) -> PersonnelPlan:
    """Plan for every TPS of ``election`` (default: the latest with TPS), using each TPS's
    effective category (override > official > computed)."""
    data = data or load_security_data()
    risk = risk or compute_risk(engine, election, data=data)
    chosen = choose_profile(data, profile, risk.election.kind)
    return plan_personnel(risk.election.code, _pairs(risk.items), data, chosen, reserve_share)


def _pairs(items: list[TpsRisk]) -> list[tuple[str | None, str]]:
    return [(item.polsek, item.category) for item in items]
