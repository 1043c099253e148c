"""Explainable TPS risk for one election: a 0-100 score from five factors, and a category.

Why a sum of capped factors: the people who act on it (Polsek, Bawaslu, the Tim Terpadu)
must be able to check every number against what they know on the ground, so each TPS
carries each factor's points, raw value and a sentence, and the weights live in
``data/security/risk.toml``. The factors:

(a) ``incidents`` — incidents within ``radius_m`` of the TPS in the ``window_days`` before
    voting day, each weighted by its kategori and by ``1 - distance / radius`` (incidents
    located only to a desa count for every TPS of that desa at a fixed fraction);
(b) ``hotspot`` — the Gi* bin of the TPS's desa over the same window (hotspots module);
(c) ``previous_election`` — incidents of the previous election near the TPS;
(d) ``dpt`` — registered voters;
(e) ``post_distance`` — straight-line distance to the nearest post (``posts.csv``).

Category: ``kurang rawan`` / ``rawan`` / ``sangat rawan`` by the thresholds of risk.toml.
A category given by Polri/Bawaslu in the imported TPS list (``kategori_kerawanan``) wins
over the computed one, and a manual override (:mod:`pks_geo.planning.risk_overrides`) wins
over both; the answer says which one applies (``category_source``).

All distances are computed by PostGIS in WGS 84 / UTM 51S (EPSG:32751). A TPS without
coordinates is placed at a point inside its desa and marked ``location_approx``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo import catalogue
from pks_geo.auth import role_at_least
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.models import METRIC_SRID
from pks_geo.planning.security_data import SecurityData, load_security_data
from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import ParameterError

FACTORS = ("incidents", "hotspot", "previous_election", "dpt", "post_distance")
CATEGORY_SOURCES = ("override", "official", "computed")


# --- elections --------------------------------------------------------------------------

@dataclass(frozen=True)
class ElectionRef:
    code: str
    name: str
    kind: str
    voting_day: date


ELECTION_SQL = text("SELECT code, name, kind, voting_day FROM election WHERE code = :code")
LATEST_WITH_TPS_SQL = text("""
SELECT e.code, e.name, e.kind, e.voting_day FROM election e
WHERE EXISTS (SELECT 1 FROM polling_site p WHERE p.election_code = e.code)
ORDER BY e.voting_day DESC, e.code LIMIT 1
""")
PREVIOUS_SQL = text("""
SELECT code, name, kind, voting_day FROM election WHERE voting_day < :day
ORDER BY voting_day DESC, code LIMIT 1
""")


def resolve_election(conn: Connection, code: str | None) -> ElectionRef:
    """The election ``code``, or (``None``) the latest election that has TPS loaded."""
    if code:
        row = conn.execute(ELECTION_SQL, {"code": code}).first()
        if row is None:
            known = ", ".join(conn.execute(text("SELECT code FROM election ORDER BY voting_day")).scalars())
            raise ParameterError("election", f"unknown election {code!r}; known: {known or 'none loaded'}")
    else:
        row = conn.execute(LATEST_WITH_TPS_SQL).first()
        if row is None:
            raise ParameterError("election", "no election has TPS loaded; import a TPS list first")
    return ElectionRef(*row)


# --- SQL ----------------------------------------------------------------------------------

TPS_CTE = """
t AS MATERIALIZED (
    SELECT p.id, p.desa_kode, g.geom, ST_Transform(g.geom, :srid) AS gm,
           ST_Expand(g.geom, :radius / (111320.0 * cos(radians(ST_Y(g.geom)))) * 1.05,
                     :radius / 110540.0 * 1.05) AS box
    FROM polling_site p
    LEFT JOIN admin_area d ON d.kode = p.desa_kode
    CROSS JOIN LATERAL (SELECT coalesce(p.geom, ST_PointOnSurface(d.geom)) AS geom) g
    WHERE p.election_code = :election AND g.geom IS NOT NULL
      AND (CAST(:polsek_kec AS text[]) IS NULL OR p.kecamatan_kode = ANY(CAST(:polsek_kec AS text[])))
)"""

BASE_SQL = text("""
SELECT p.id, p.kode_tps, p.no_tps, p.desa_kode, d.nama AS desa_nama, p.kecamatan_kode,
       k.nama AS kecamatan_nama, p.dpt, p.alamat, p.kategori_kerawanan,
       p.geom IS NULL AS approx, ST_X(g.geom) AS lon, ST_Y(g.geom) AS lat,
       ST_X(ST_Transform(g.geom, :srid)) AS x, ST_Y(ST_Transform(g.geom, :srid)) AS y,
       o.kategori AS override_kategori, o.reason AS override_reason,
       o.created_by AS override_by, o.updated_at AS override_at
FROM polling_site p
LEFT JOIN admin_area d ON d.kode = p.desa_kode
LEFT JOIN admin_area k ON k.kode = p.kecamatan_kode
LEFT JOIN tps_risk_override o ON o.election_code = p.election_code AND o.kode_tps = p.kode_tps
CROSS JOIN LATERAL (SELECT coalesce(p.geom, ST_PointOnSurface(d.geom)) AS geom) g
WHERE p.election_code = :election
  AND (CAST(:polsek_kec AS text[]) IS NULL OR p.kecamatan_kode = ANY(CAST(:polsek_kec AS text[])))
ORDER BY p.kode_tps
""")

_PAIRS = """
WITH {tps_cte}, pairs AS (
    SELECT t.id AS tps_id, i.id AS incident_id, i.kategori, i.event_date,
           CASE WHEN coalesce(i.meninggal, 0) + coalesce(i.luka, 0) > 0 THEN :casualty ELSE 1.0 END AS cf,
           ST_Distance(t.gm, ST_Transform(i.geom, :srid)) AS distance_m
    FROM t JOIN incident i
      ON i.geom && t.box
     AND ST_DWithin(t.gm, ST_Transform(i.geom, :srid), :radius)
    WHERE i.counted AND i.location_precision IN ('exact', 'near') AND {condition}
)"""
"""Incident-TPS pairs within the radius. The bounding-box test on the stored 4326 geometry
uses the GiST index of ``incident``; the exact test is metric (the box is padded by 5 %
so it never cuts a true neighbour)."""

_NEAR_SQL = _PAIRS + """
SELECT tps_id, kategori, count(*) AS n,
       sum(cf * CASE WHEN :decay THEN greatest(0.0, 1.0 - distance_m / :radius) ELSE 1.0 END) AS weight
FROM pairs GROUP BY tps_id, kategori
"""
"""Per TPS and kategori: how many incidents, and their distance- and casualty-weighted sum."""

_NEAR_LIST_SQL = _PAIRS + """, ranked AS (
    SELECT *, row_number() OVER (PARTITION BY tps_id ORDER BY distance_m, event_date DESC, incident_id) AS r
    FROM pairs)
SELECT tps_id, incident_id, kategori, event_date, distance_m FROM ranked WHERE r <= :limit
"""
"""The nearest incidents of each TPS (for analysts: ids, dates, distances; never descriptions)."""

_DESA_SQL = """
SELECT i.desa_kode, i.kategori, count(*) AS n,
       sum(CASE WHEN coalesce(i.meninggal, 0) + coalesce(i.luka, 0) > 0 THEN :casualty ELSE 1.0 END)
           AS weight,
       (array_agg(i.id ORDER BY i.event_date DESC, i.id))[1:CAST(:limit AS int)] AS ids,
       (array_agg(i.event_date ORDER BY i.event_date DESC, i.id))[1:CAST(:limit AS int)] AS dates
FROM incident i
WHERE i.counted AND i.location_precision = 'desa' AND i.desa_kode = ANY(:desa) AND {condition}
GROUP BY i.desa_kode, i.kategori
"""
"""Incidents located only to a desa count for every TPS of that desa."""

WINDOW_CONDITION = "i.event_date BETWEEN :date_from AND :date_to"
PREVIOUS_CONDITION = "i.election_code = :previous"
LIST_LIMIT = 20
"""At most this many incidents are listed per TPS and factor (all of them are counted)."""

NEAR_SQL = {
    "window": text(_NEAR_SQL.format(tps_cte=TPS_CTE, condition=WINDOW_CONDITION)),
    "previous": text(_NEAR_SQL.format(tps_cte=TPS_CTE, condition=PREVIOUS_CONDITION)),
}
NEAR_LIST_SQL = {
    "window": text(_NEAR_LIST_SQL.format(tps_cte=TPS_CTE, condition=WINDOW_CONDITION)),
    "previous": text(_NEAR_LIST_SQL.format(tps_cte=TPS_CTE, condition=PREVIOUS_CONDITION)),
}
DESA_SQL = {
    "window": text(_DESA_SQL.format(condition=WINDOW_CONDITION)),
    "previous": text(_DESA_SQL.format(condition=PREVIOUS_CONDITION)),
}

NEAREST_POST_SQL = text(f"""
WITH {TPS_CTE}, posts AS (
    SELECT u.id, ST_Transform(ST_SetSRID(ST_MakePoint(u.lon, u.lat), 4326), :srid) AS gm
    FROM unnest(CAST(:post_ids AS text[]), CAST(:post_lons AS float8[]), CAST(:post_lats AS float8[]))
         AS u(id, lon, lat)
)
SELECT t.id AS tps_id, n.id AS post_id, n.distance_m
FROM t CROSS JOIN LATERAL (
    SELECT posts.id, ST_Distance(t.gm, posts.gm) AS distance_m FROM posts
    ORDER BY t.gm <-> posts.gm LIMIT 1) n
""")


# --- results --------------------------------------------------------------------------------

@dataclass
class Factor:
    """One factor's contribution to a TPS's score, with the reason in words."""

    key: str
    points: float
    max_points: float
    value: float | None
    detail: str
    skipped: bool = False
    data: dict[str, Any] = field(default_factory=dict)

ANALYST_FIELDS = ("override_reason", "override_by", "override_at")
"""Properties of a :class:`TpsRisk` only analysts and above see: who overrode its category and why."""


def fields_for_role(role: str | None) -> tuple[str, ...]:
    """The restricted TPS properties ``role`` may see (``None``: an anonymous visitor).

    The one rule for the API (``/api/v1/tps-risk``) and the ``tps`` export; every other
    property of :meth:`TpsRisk.properties` is for every role that may read the data at all."""
    return ANALYST_FIELDS if role_at_least(role, "analyst") else ()


@dataclass
class TpsRisk:
    kode_tps: str
    no_tps: int
    desa_kode: str
    desa_nama: str | None
    kecamatan_kode: str
    kecamatan_nama: str | None
    polsek: str | None
    polsek_nama: str | None
    polres: str | None
    polres_nama: str | None
    dpt: int | None
    alamat: str | None
    lon: float | None
    lat: float | None
    x: float | None
    y: float | None
    location_approx: bool
    score: float
    computed_category: str
    official_category: str | None
    override_category: str | None
    override_reason: str | None
    override_by: str | None
    override_at: str | None
    category: str
    category_source: str
    nearest_post: str | None
    nearest_post_m: float | None
    factors: list[Factor]

    def properties(self) -> dict[str, Any]:
        """Flat JSON-ready properties (factors as a list of dicts), without metric x/y."""
        out = asdict(self)
        out.pop("x")
        out.pop("y")
        return out

    def properties_for(self, role: str | None) -> dict[str, Any]:
        """:meth:`properties` without the restricted ones ``role`` may not see (:func:`fields_for_role`)."""
        out = self.properties()
        for name in set(ANALYST_FIELDS) - set(fields_for_role(role)):
            out.pop(name)
        return out


@dataclass
class RiskResult:
    election: ElectionRef
    previous_election: ElectionRef | None
    date_from: date
    date_to: date
    items: list[TpsRisk]
    notes: list[str]
    polsek: str | None = None

    def meta(self) -> dict[str, Any]:
        counts = Counter(item.category for item in self.items)
        sources = Counter(item.category_source for item in self.items)
        return {
            "election": self.election.code, "election_name": self.election.name,
            "voting_day": self.election.voting_day.isoformat(),
            "previous_election": self.previous_election.code if self.previous_election else None,
            "incident_window": {"from": self.date_from.isoformat(), "to": self.date_to.isoformat()},
            "polsek": self.polsek, "n_tps": len(self.items),
            "categories": {c: counts.get(c, 0) for c in ("kurang rawan", "rawan", "sangat rawan")},
            "category_sources": {s: sources.get(s, 0) for s in CATEGORY_SOURCES},
            "notes": self.notes,
        }


# --- texts (Bahasa Indonesia by default, English on request) ----------------------------------

TEXTS = catalogue.by_language("risk_")
"""The factors' sentences, ``{lang: {key: text}}``: messages ``risk_*`` of the UI catalogue."""


# --- the computation ---------------------------------------------------------------------------

@dataclass
class _Near:
    """Incidents found near (or in the desa of) one TPS, for one factor."""

    weighted: float = 0.0
    n_point: int = 0
    n_desa: int = 0
    by_kategori: Counter = field(default_factory=Counter)
    incidents: list[dict[str, Any]] = field(default_factory=list)


def compute_risk(engine: Engine, election: str | None = None, *, data: SecurityData | None = None,
                 polsek: str | None = None, lang: str = "id", include_incidents: bool = False,
                 with_hotspots: bool = True, disclosure: Disclosure = EXACT) -> RiskResult:
    """Score every TPS of ``election`` (default: the latest with TPS), optionally one Polsek's.

    ``include_incidents`` adds the ids, dates and distances of the incidents behind factors
    (a) and (c) — never descriptions; callers pass it only for analysts and above.
    Below analyst (``disclosure``) a factor counting 1 .. min_cell-1 incidents says "< 3"
    in its sentence, has no weighted value, count or kategori breakdown; a kategori count
    that small reads "< 3" too.
    """
    data = data or load_security_data()
    texts = TEXTS["en" if lang == "en" else "id"]
    polsek_kec = _polsek_kecamatan(data, polsek)
    with engine.connect() as conn:
        ref = resolve_election(conn, election)
        previous = conn.execute(PREVIOUS_SQL, {"day": ref.voting_day}).first()
        prev_ref = ElectionRef(*previous) if previous else None
        cfg = data.risk
        date_to = ref.voting_day - timedelta(days=1)
        date_from = ref.voting_day - timedelta(days=int(cfg.incidents["window_days"]))
        params = {"election": ref.code, "srid": METRIC_SRID, "polsek_kec": polsek_kec}
        rows = conn.execute(BASE_SQL, params).all()
        desa_codes = sorted({r.desa_kode for r in rows})
        window = {"date_from": date_from, "date_to": date_to}
        recent = _near(conn, "window", rows, desa_codes,
                       {**params, **window, "radius": cfg.incidents["radius_m"]}, data, decay=True,
                       listed=include_incidents)
        prior: dict[int, _Near] = {}
        if prev_ref is not None:
            prior = _near(conn, "previous", rows, desa_codes,
                          {**params, "previous": prev_ref.code, "radius": cfg.previous["radius_m"]},
                          data, decay=False, listed=include_incidents)
        posts = _nearest_posts(conn, params, data)
    notes: list[str] = []
    bins, hotspot_note = (_hotspot_bins(engine, date_from, date_to, cfg.hotspot["permutations"],
                                        cfg.hotspot["fdr"], cfg.hotspot.get("inference", "analytic"),
                                        texts)
                          if with_hotspots else ({}, "not requested"))
    if hotspot_note:
        notes.append(texts["hotspot_skipped"].format(reason=hotspot_note))
    taxonomy = load_taxonomy()
    polsek_of = data.jurisdictions.polsek_of_kecamatan()
    items = []
    for row in rows:
        factors = _factors(row, recent.get(row.id, _Near()), prior.get(row.id, _Near()), prev_ref,
                           bins, hotspot_note, posts.get(row.id), data, texts, taxonomy, lang,
                           include_incidents, disclosure)
        items.append(_item(row, factors, data, polsek_of))
    return RiskResult(ref, prev_ref, date_from, date_to, items, notes, polsek)


def _polsek_kecamatan(data: SecurityData, polsek: str | None) -> list[str] | None:
    if polsek is None:
        return None
    if polsek not in data.jurisdictions.polsek:
        raise ParameterError("polsek", f"unknown Polsek {polsek!r}; known: "
                                       f"{', '.join(sorted(data.jurisdictions.polsek))}")
    return list(data.jurisdictions.polsek[polsek].kecamatan)


def _near(conn: Connection, kind: str, rows: Sequence[Any], desa_codes: list[str], params: dict[str, Any],
          data: SecurityData, *, decay: bool, listed: bool) -> dict[int, _Near]:
    """Weighted incidents per TPS id: points within the radius, plus desa-precision ones."""
    weights = data.risk.kategori_weights
    params = {**params, "casualty": data.risk.incidents["casualty_factor"], "decay": decay,
              "limit": LIST_LIMIT}
    out: dict[int, _Near] = defaultdict(_Near)
    for r in conn.execute(NEAR_SQL[kind], params):
        near = out[r.tps_id]
        near.weighted += weights[r.kategori] * float(r.weight)
        near.n_point += r.n
        near.by_kategori[r.kategori] += r.n
    if listed:
        for r in conn.execute(NEAR_LIST_SQL[kind], params):
            out[r.tps_id].incidents.append({"id": r.incident_id, "event_date": r.event_date.isoformat(),
                                            "kategori": r.kategori, "distance_m": round(r.distance_m)})
    by_desa: dict[str, list] = defaultdict(list)
    for r in conn.execute(DESA_SQL[kind], {**params, "desa": desa_codes}):
        by_desa[r.desa_kode].append(r)
    factor = data.risk.incidents["desa_precision_factor"]
    for row in rows:
        for r in by_desa.get(row.desa_kode, ()):
            near = out[row.id]
            near.weighted += weights[r.kategori] * factor * float(r.weight)
            near.n_desa += r.n
            near.by_kategori[r.kategori] += r.n
            if listed:
                near.incidents.extend({"id": i, "event_date": d.isoformat(), "kategori": r.kategori,
                                       "distance_m": None} for i, d in zip(r.ids, r.dates, strict=True))
    return out


def _nearest_posts(conn: Connection, params: dict[str, Any],
                   data: SecurityData) -> dict[int, tuple[str, float]]:
    posts = list(data.posts.values())
    if not posts:
        return {}
    rows = conn.execute(NEAREST_POST_SQL, {**params, "radius": 1.0, "post_ids": [p.id for p in posts],
                                           "post_lons": [p.lon for p in posts],
                                           "post_lats": [p.lat for p in posts]})
    return {r.tps_id: (r.post_id, float(r.distance_m)) for r in rows}


def _hotspot_bins(engine: Engine, date_from: date, date_to: date, permutations: int,
                  fdr: bool = True, inference: str = "analytic",
                  texts: dict[str, str] | None = None) -> tuple[dict[str, int], str | None]:
    """Gi* bin per desa code over the window, or ({}, reason) when the factor cannot be used; the
    common reason (too few incidents) in the page's language from ``texts``, the rest as given."""
    try:
        from pks_geo.queries.filters import FilterSet
        from pks_geo.stats.hotspots import HotspotOptions, hotspots
    except ImportError as exc:  # the hotspot module is optional for this factor
        return {}, f"hotspot module not available ({exc})"
    result = hotspots(engine, "desa", "count", FilterSet(level="desa", date_from=date_from, date_to=date_to),
                      HotspotOptions(method="gi_star", permutations=permutations, fdr=fdr,
                                     inference=inference))
    if result.insufficient_data:
        if texts is not None and result.reason_code == "few_incidents":
            return {}, texts["hotspot_few"].format(n=result.n_incidents, min=result.min_incidents)
        return {}, result.reason or "insufficient data"
    table = result.table
    return {str(k): int(v) for k, v in table["gi_bin"].items() if v is not None}, None


def _listed(incidents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The nearest first (desa-precision ones last), at most :data:`LIST_LIMIT`."""
    ordered = sorted(incidents, key=lambda d: (d["distance_m"] is None, d["distance_m"] or 0, d["id"]))
    return ordered[:LIST_LIMIT]


def _by_text(counter: Counter, taxonomy: Any, lang: str, disclosure: Disclosure = EXACT) -> str:
    if not counter:
        return ""
    parts = ", ".join(f"{taxonomy.label(k, lang)} {_n(n, disclosure)}" for k, n in counter.most_common())
    return f" ({parts})"


def _n(n: int, disclosure: Disclosure) -> str | int:
    return f"< {disclosure.min_cell}" if disclosure.small(n) else n


def _near_data(near: _Near, n: int, disclosure: Disclosure) -> dict[str, Any]:
    """Count, desa-precision count and kategori breakdown of a factor, small ones suppressed."""
    if disclosure.small(n):
        return {"n_incidents": None, "n_desa_precision": None, "by_kategori": {}, "suppressed": True}
    return {"n_incidents": n, "n_desa_precision": disclosure.count(near.n_desa),
            "by_kategori": {k: disclosure.count(v) for k, v in near.by_kategori.items()}}


def _factors(row: Any, recent: _Near, prior: _Near, prev_ref: ElectionRef | None, bins: dict[str, int],
             hotspot_note: str | None, post: tuple[str, float] | None, data: SecurityData,
             texts: dict[str, str], taxonomy: Any, lang: str, include_incidents: bool,
             disclosure: Disclosure = EXACT) -> list[Factor]:
    cfg = data.risk
    located = row.lon is not None
    out: list[Factor] = []

    inc = cfg.incidents
    weight = inc["weight"]
    if not located:
        out.append(Factor("incidents", 0.0, weight, None, texts["no_location"], skipped=True))
    else:
        share = min(1.0, recent.weighted / inc["saturation"])
        n = recent.n_point + recent.n_desa
        where = {"radius": inc["radius_m"] / 1000, "days": int(inc["window_days"])}
        few = disclosure.small(n)
        if few:
            detail = texts["incidents_few"].format(n=_n(n, disclosure), **where)
        elif n:
            by = _by_text(recent.by_kategori, taxonomy, lang, disclosure)
            detail = texts["incidents"].format(n=n, by=by, value=recent.weighted, sat=inc["saturation"],
                                               **where)
            if recent.n_desa:
                detail += texts["desa_part"].format(n=_n(recent.n_desa, disclosure))
        else:
            detail = texts["incidents_none"].format(**where)
        extra: dict[str, Any] = _near_data(recent, n, disclosure)
        if include_incidents:
            extra["incidents"] = _listed(recent.incidents)
        out.append(Factor("incidents", round(weight * share, 1), weight,
                          None if few else round(recent.weighted, 3), detail, data=extra))

    hot_weight = cfg.hotspot["weight"]
    gi_bin = bins.get(row.desa_kode)
    if hotspot_note is not None or gi_bin is None:
        reason = hotspot_note or "desa not in the hot spot analysis"
        out.append(Factor("hotspot", 0.0, hot_weight, None,
                          texts["hotspot_skipped"].format(reason=reason), skipped=True))
    else:
        label = texts["hot"] if gi_bin > 0 else texts["cold"] if gi_bin < 0 else texts["ns"]
        share = cfg.bin_share.get(gi_bin, 0.0) if gi_bin > 0 else 0.0
        detail = texts["hotspot"].format(desa=row.desa_nama or row.desa_kode, bin=gi_bin, label=label)
        out.append(Factor("hotspot", round(hot_weight * share, 1), hot_weight, float(gi_bin), detail,
                          data={"gi_bin": gi_bin}))

    prev = cfg.previous
    if prev_ref is None:
        out.append(Factor("previous_election", 0.0, prev["weight"], None, texts["previous_skipped"],
                          skipped=True))
    elif not located:
        out.append(Factor("previous_election", 0.0, prev["weight"], None, texts["no_location"], skipped=True))
    else:
        n = prior.n_point + prior.n_desa
        share = min(1.0, prior.weighted / prev["saturation"])
        fmt = {"election": prev_ref.name, "radius": prev["radius_m"] / 1000}
        few = disclosure.small(n)
        detail = (texts["previous_few"].format(n=_n(n, disclosure), **fmt) if few else
                  texts["previous"].format(n=n, by=_by_text(prior.by_kategori, taxonomy, lang, disclosure),
                                           value=prior.weighted, sat=prev["saturation"], **fmt)
                  if n else texts["previous_none"].format(**fmt))
        near = _near_data(prior, n, disclosure)
        near.pop("n_desa_precision")
        extra = {"election": prev_ref.code, **near}
        if include_incidents:
            extra["incidents"] = _listed(prior.incidents)
        out.append(Factor("previous_election", round(prev["weight"] * share, 1), prev["weight"],
                          None if few else round(prior.weighted, 3), detail, data=extra))

    dpt = cfg.dpt
    if row.dpt is None:
        out.append(Factor("dpt", 0.0, dpt["weight"], None, texts["dpt_unknown"], skipped=True))
    else:
        share = min(1.0, max(0.0, (row.dpt - dpt["low"]) / (dpt["high"] - dpt["low"])))
        out.append(Factor("dpt", round(dpt["weight"] * share, 1), dpt["weight"], float(row.dpt),
                          texts["dpt"].format(dpt=row.dpt, low=dpt["low"], high=dpt["high"])))

    pd_cfg = cfg.post_distance
    if post is None:
        reason = texts["no_location"] if not located else texts["post_skipped"]
        out.append(Factor("post_distance", 0.0, pd_cfg["weight"], None, reason, skipped=True))
    else:
        post_id, distance = post
        share = min(1.0, max(0.0, (distance - pd_cfg["near_m"]) / (pd_cfg["far_m"] - pd_cfg["near_m"])))
        out.append(Factor("post_distance", round(pd_cfg["weight"] * share, 1), pd_cfg["weight"],
                          round(distance), texts["post"].format(
                              post=data.posts[post_id].name, km=distance / 1000,
                              near=pd_cfg["near_m"] / 1000, far=pd_cfg["far_m"] / 1000),
                          data={"post": post_id}))
    return out


def _item(row: Any, factors: list[Factor], data: SecurityData, polsek_of: dict[str, str]) -> TpsRisk:
    score = round(sum(f.points for f in factors), 1)
    computed = data.risk.category(score)
    if row.override_kategori:
        category, source = row.override_kategori, "override"
    elif row.kategori_kerawanan:
        category, source = row.kategori_kerawanan, "official"
    else:
        category, source = computed, "computed"
    polsek_id = polsek_of.get(row.kecamatan_kode)
    polsek = data.jurisdictions.polsek.get(polsek_id) if polsek_id else None
    polres = data.jurisdictions.polres.get(polsek.polres) if polsek else None
    post = next((f.data.get("post") for f in factors if f.key == "post_distance"), None)
    post_m = next((f.value for f in factors if f.key == "post_distance"), None)
    return TpsRisk(
        kode_tps=row.kode_tps, no_tps=row.no_tps, desa_kode=row.desa_kode, desa_nama=row.desa_nama,
        kecamatan_kode=row.kecamatan_kode, kecamatan_nama=row.kecamatan_nama,
        polsek=polsek.id if polsek else None, polsek_nama=polsek.name if polsek else None,
        polres=polres.id if polres else None, polres_nama=polres.name if polres else None,
        dpt=row.dpt, alamat=row.alamat,
        lon=None if row.lon is None else round(row.lon, 6),
        lat=None if row.lat is None else round(row.lat, 6),
        x=row.x, y=row.y, location_approx=bool(row.approx), score=score, computed_category=computed,
        official_category=row.kategori_kerawanan, override_category=row.override_kategori,
        override_reason=row.override_reason, override_by=row.override_by,
        override_at=row.override_at.isoformat() if row.override_at else None,
        category=category, category_source=source, nearest_post=post, nearest_post_m=post_m,
        factors=factors)
