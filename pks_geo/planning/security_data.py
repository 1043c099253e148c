"""The editable security data files (``data/security/``): posts, jurisdictions, operation
profiles, risk weights and patrol defaults, read and validated in one place.

These figures change from one operation to the next and are refined by the people who plan
(a Polsek's strength, a new post, a kecamatan moved to another Polres), so they are data,
not code. Every problem is reported with the file, the row or table and the field, and a
file that fails validation is never half used.
"""

from __future__ import annotations

import csv
import io
import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pks_geo.config import DATA_DIR
from pks_geo.ingest.codes import normalize_kode
from pks_geo.models import KATEGORI

SECURITY_DIR = DATA_DIR / "security"
POST_KINDS = ("polres", "polsek", "pospol", "koramil")
CATEGORY_KEYS = {"kurang_rawan": "kurang rawan", "rawan": "rawan", "sangat_rawan": "sangat rawan"}
"""TOML keys (no spaces) -> the category names used everywhere else (``KERAWANAN``)."""


class SecurityDataError(ValueError):
    """A security data file is malformed; the message names the file, the entry and the field."""


# --- records ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Post:
    id: str
    kind: str
    name: str
    polsek: str | None
    kecamatan_kode: str | None
    lon: float
    lat: float
    source: str


@dataclass(frozen=True)
class Polres:
    id: str
    name: str
    post: str | None
    available: int
    source: str


@dataclass(frozen=True)
class Polsek:
    id: str
    name: str
    polres: str
    kecamatan: tuple[str, ...]
    available: int
    post: str | None
    source: str


@dataclass(frozen=True)
class Jurisdictions:
    polres: dict[str, Polres]
    polsek: dict[str, Polsek]
    reserve_share: float
    reserve_source: str

    def polsek_of_kecamatan(self) -> dict[str, str]:
        """kecamatan code -> Polsek id."""
        return {kode: p.id for p in self.polsek.values() for kode in p.kecamatan}


@dataclass(frozen=True)
class Ratio:
    """``police`` officers (and ``linmas`` Linmas, ``None`` = not given) per ``tps`` TPS."""

    tps: int
    police: int
    linmas: int | None
    assumed: bool = False
    note: str = ""


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    source: str
    note: str
    ratios: dict[str, Ratio]
    """category (``kurang rawan`` ...) -> ratio."""
    reserve_share: float | None = None


@dataclass(frozen=True)
class Profiles:
    profiles: dict[str, Profile]
    default: str
    by_kind: dict[str, str]

    def for_election(self, kind: str | None) -> Profile:
        """The profile used when none is asked for: by election kind, else the default."""
        return self.profiles[self.by_kind.get(kind or "", self.default)]


@dataclass(frozen=True)
class RiskConfig:
    thresholds: dict[str, float]
    """``rawan`` and ``sangat rawan`` lower bounds of the score."""
    incidents: dict[str, Any]
    kategori_weights: dict[str, float]
    hotspot: dict[str, Any]
    bin_share: dict[int, float]
    previous: dict[str, Any]
    dpt: dict[str, Any]
    post_distance: dict[str, Any]

    def category(self, score: float) -> str:
        if score >= self.thresholds["sangat rawan"]:
            return "sangat rawan"
        if score >= self.thresholds["rawan"]:
            return "rawan"
        return "kurang rawan"


@dataclass(frozen=True)
class PatrolConfig:
    max_tps: int = 8
    max_diameter_m: float = 8000.0
    speed_kmh: float = 30.0
    stop_minutes: float = 10.0
    detour_factor: float = 1.4
    return_to_post: bool = True
    sector_buffer_m: float = 500.0


@dataclass(frozen=True)
class SecurityData:
    posts: dict[str, Post]
    jurisdictions: Jurisdictions
    profiles: Profiles
    risk: RiskConfig
    patrol: PatrolConfig
    folder: Path = field(default=SECURITY_DIR)

    def sources(self) -> list[str]:
        """Human-readable list of the data files used (for export metadata)."""
        return [f"data/security/{name}" for name in
                ("posts.csv", "jurisdictions.toml", "profiles.toml", "risk.toml", "patrol.toml")]


# --- small validators -----------------------------------------------------------------------

def _number(value: Any, where: str, *, low: float | None = None, high: float | None = None,
            integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SecurityDataError(f"{where}: expected a number, got {value!r}")
    if integer and int(value) != value:
        raise SecurityDataError(f"{where}: expected a whole number, got {value!r}")
    if low is not None and value < low:
        raise SecurityDataError(f"{where}: must be at least {low:g}, got {value!r}")
    if high is not None and value > high:
        raise SecurityDataError(f"{where}: must be at most {high:g}, got {value!r}")
    return int(value) if integer else float(value)


def _text(value: Any, where: str, *, required: bool = True) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise SecurityDataError(f"{where}: missing")
        return ""
    if not isinstance(value, str):
        raise SecurityDataError(f"{where}: expected text, got {value!r}")
    return value.strip()


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise SecurityDataError(f"{where}: missing table [{key}]")
    return value


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SecurityDataError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise SecurityDataError(f"{path}: not valid TOML: {exc}") from None


# --- posts.csv ------------------------------------------------------------------------------

POST_COLUMNS = ("id", "kind", "name", "polsek", "kecamatan_kode", "lon", "lat", "source")


def parse_posts(text: str, origin: str = "posts.csv") -> dict[str, Post]:
    """Posts from CSV text (``#`` lines are comments; ``,`` or ``;`` separated)."""
    lines = [(n, line) for n, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1)
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise SecurityDataError(f"{origin}: no header row")
    header_line = lines[0][1]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(line for _, line in lines)), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    missing = [c for c in POST_COLUMNS if c not in header and c not in ("polsek", "kecamatan_kode")]
    if missing:
        raise SecurityDataError(f"{origin}: missing column(s) {', '.join(missing)}")
    posts: dict[str, Post] = {}
    for (line_no, _), values in zip(lines[1:], reader, strict=True):
        row = dict(zip(header, (v.strip() for v in values), strict=False))
        where = f"{origin} line {line_no}"
        post_id = _text(row.get("id"), f"{where} field id")
        if post_id in posts:
            raise SecurityDataError(f"{where} field id: duplicate post id {post_id!r}")
        kind = _text(row.get("kind"), f"{where} field kind").lower()
        if kind not in POST_KINDS:
            raise SecurityDataError(f"{where} field kind: {kind!r} is not one of {', '.join(POST_KINDS)}")
        lon = _coordinate(row.get("lon"), f"{where} field lon", 180.0)
        lat = _coordinate(row.get("lat"), f"{where} field lat", 90.0)
        kec_raw = (row.get("kecamatan_kode") or "").strip()
        kecamatan = normalize_kode(kec_raw) if kec_raw else None
        if kec_raw and (kecamatan is None or kecamatan.count(".") != 2):
            raise SecurityDataError(f"{where} field kecamatan_kode: {kec_raw!r} is not a kecamatan code "
                                    "like 74.05.01")
        posts[post_id] = Post(post_id, kind, _text(row.get("name"), f"{where} field name"),
                              (row.get("polsek") or "").strip() or None, kecamatan, lon, lat,
                              _text(row.get("source"), f"{where} field source"))
    return posts


def _coordinate(value: str | None, where: str, limit: float) -> float:
    raw = (value or "").strip().replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        raise SecurityDataError(f"{where}: expected a decimal degree, got {value!r}") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise SecurityDataError(f"{where}: {number} is outside -{limit:g}..{limit:g}")
    return number


# --- jurisdictions.toml -----------------------------------------------------------------------

def parse_jurisdictions(data: dict[str, Any], posts: dict[str, Post],
                        origin: str = "jurisdictions.toml") -> Jurisdictions:
    defaults = data.get("defaults", {})
    reserve = _number(defaults.get("reserve_share", 0.0), f"{origin} [defaults] reserve_share",
                      low=0.0, high=0.95)
    polres: dict[str, Polres] = {}
    for pid, raw in _table(data, "polres", origin).items():
        where = f"{origin} [polres.{pid}]"
        polres[pid] = Polres(pid, _text(raw.get("name"), f"{where} name"),
                             _post_ref(raw.get("post"), posts, f"{where} post"),
                             int(_number(raw.get("available", 0), f"{where} available", low=0, integer=True)),
                             _text(raw.get("source"), f"{where} source", required=False))
    polsek: dict[str, Polsek] = {}
    seen: dict[str, str] = {}
    for sid, raw in _table(data, "polsek", origin).items():
        where = f"{origin} [polsek.{sid}]"
        parent = _text(raw.get("polres"), f"{where} polres")
        if parent not in polres:
            raise SecurityDataError(f"{where} polres: {parent!r} is not a [polres.*] table "
                                    f"(known: {', '.join(polres)})")
        codes = raw.get("kecamatan")
        if not isinstance(codes, list) or not codes:
            raise SecurityDataError(f"{where} kecamatan: expected a list of kecamatan codes")
        normalised = []
        for code in codes:
            kode = normalize_kode(str(code))
            if kode is None or kode.count(".") != 2:
                raise SecurityDataError(f"{where} kecamatan: {code!r} is not a kecamatan code like 74.05.01")
            if kode in seen:
                raise SecurityDataError(f"{where} kecamatan: {kode} is already under [polsek.{seen[kode]}]")
            seen[kode] = sid
            normalised.append(kode)
        polsek[sid] = Polsek(sid, _text(raw.get("name"), f"{where} name"), parent, tuple(normalised),
                             int(_number(raw.get("available", 0), f"{where} available", low=0, integer=True)),
                             _post_ref(raw.get("post"), posts, f"{where} post"),
                             _text(raw.get("source"), f"{where} source", required=False))
    return Jurisdictions(polres, polsek, reserve,
                         _text(defaults.get("reserve_source"), f"{origin} [defaults] reserve_source",
                               required=False))


def _post_ref(value: Any, posts: dict[str, Post], where: str) -> str | None:
    if value is None:
        return None
    post_id = _text(value, where)
    if post_id not in posts:
        raise SecurityDataError(f"{where}: no post {post_id!r} in posts.csv")
    return post_id


# --- profiles.toml -------------------------------------------------------------------------

def parse_profiles(data: dict[str, Any], origin: str = "profiles.toml") -> Profiles:
    profiles: dict[str, Profile] = {}
    for pid, raw in _table(data, "profile", origin).items():
        where = f"{origin} [profile.{pid}]"
        ratios: dict[str, Ratio] = {}
        for key, category in CATEGORY_KEYS.items():
            entry = raw.get(key)
            if not isinstance(entry, dict):
                raise SecurityDataError(f"{where} {key}: missing (give tps, police and optionally linmas)")
            at = f"{where} {key}"
            linmas = entry.get("linmas")
            ratios[category] = Ratio(
                tps=int(_number(entry.get("tps"), f"{at}.tps", low=1, integer=True)),
                police=int(_number(entry.get("police"), f"{at}.police", low=0, integer=True)),
                linmas=None if linmas is None else int(_number(linmas, f"{at}.linmas", low=0, integer=True)),
                assumed=bool(entry.get("assumed", False)),
                note=_text(entry.get("note"), f"{at}.note", required=False))
        reserve = raw.get("reserve_share")
        profiles[pid] = Profile(
            pid, _text(raw.get("name"), f"{where} name"), _text(raw.get("source"), f"{where} source"),
            _text(raw.get("note"), f"{where} note", required=False), ratios,
            None if reserve is None else _number(reserve, f"{where} reserve_share", low=0.0, high=0.95))
    if not profiles:
        raise SecurityDataError(f"{origin}: no [profile.*] tables")
    defaults = data.get("defaults", {})
    default = _text(defaults.get("profile", next(iter(profiles))), f"{origin} [defaults] profile")
    by_kind = dict(defaults.get("by_kind", {}))
    for name, value in [("profile", default), *((f"by_kind.{k}", v) for k, v in by_kind.items())]:
        if value not in profiles:
            raise SecurityDataError(f"{origin} [defaults] {name}: no profile {value!r} "
                                    f"(known: {', '.join(profiles)})")
    return Profiles(profiles, default, by_kind)


# --- risk.toml -------------------------------------------------------------------------------

def parse_risk(data: dict[str, Any], origin: str = "risk.toml") -> RiskConfig:
    thresholds = _table(data, "thresholds", origin)
    rawan = _number(thresholds.get("rawan"), f"{origin} [thresholds] rawan", low=0, high=100)
    sangat = _number(thresholds.get("sangat_rawan"), f"{origin} [thresholds] sangat_rawan", low=0, high=100)
    if sangat <= rawan:
        raise SecurityDataError(f"{origin} [thresholds] sangat_rawan: must be above rawan ({rawan:g})")
    sections = {name: dict(_table(data, name, origin))
                for name in ("incidents", "hotspot", "previous_election", "dpt", "post_distance")}
    for name, section in sections.items():
        section["weight"] = _number(section.get("weight"), f"{origin} [{name}] weight", low=0, high=100)
    inc = sections["incidents"]
    for key, low in (("radius_m", 1), ("window_days", 1), ("saturation", 0.01)):
        inc[key] = _number(inc.get(key), f"{origin} [incidents] {key}", low=low)
    for key in ("desa_precision_factor", "casualty_factor"):
        inc[key] = _number(inc.get(key, 1.0), f"{origin} [incidents] {key}", low=0)
    raw_weights = inc.pop("kategori", {})
    weights = {}
    for code in KATEGORI:
        weights[code] = _number(raw_weights.get(code, 0.0), f"{origin} [incidents.kategori] {code}", low=0)
    unknown = set(raw_weights) - set(KATEGORI)
    if unknown:
        raise SecurityDataError(f"{origin} [incidents.kategori]: unknown kategori "
                                f"{', '.join(sorted(unknown))}")
    prev = sections["previous_election"]
    for key in ("radius_m", "saturation"):
        prev[key] = _number(prev.get(key), f"{origin} [previous_election] {key}", low=0.01)
    dpt = sections["dpt"]
    dpt["low"] = _number(dpt.get("low"), f"{origin} [dpt] low", low=0)
    dpt["high"] = _number(dpt.get("high"), f"{origin} [dpt] high", low=dpt["low"] + 1)
    post = sections["post_distance"]
    post["near_m"] = _number(post.get("near_m"), f"{origin} [post_distance] near_m", low=0)
    post["far_m"] = _number(post.get("far_m"), f"{origin} [post_distance] far_m", low=post["near_m"] + 1)
    hot = sections["hotspot"]
    hot["permutations"] = int(_number(hot.get("permutations", 999), f"{origin} [hotspot] permutations",
                                      low=99, high=9999, integer=True))
    if not isinstance(hot.get("fdr", True), bool):
        raise SecurityDataError(f"{origin} [hotspot] fdr: expected true or false, got {hot.get('fdr')!r}")
    hot["fdr"] = hot.get("fdr", True)
    hot["inference"] = hot.get("inference", "analytic")
    if hot["inference"] not in ("analytic", "permutation"):
        raise SecurityDataError(f"{origin} [hotspot] inference: expected analytic or permutation, "
                                f"got {hot['inference']!r}")
    bin_share = {int(k): _number(v, f"{origin} [hotspot] bin_share.{k}", low=0, high=1)
                 for k, v in dict(hot.pop("bin_share", {3: 1.0, 2: 0.67, 1: 0.33})).items()}
    return RiskConfig({"rawan": rawan, "sangat rawan": sangat}, inc, weights, hot, bin_share, prev,
                      dpt, post)


def parse_patrol(data: dict[str, Any], origin: str = "patrol.toml") -> PatrolConfig:
    default = PatrolConfig()
    return PatrolConfig(
        max_tps=int(_number(data.get("max_tps", default.max_tps), f"{origin} max_tps", low=1, high=200,
                            integer=True)),
        max_diameter_m=_number(data.get("max_diameter_m", default.max_diameter_m), f"{origin} max_diameter_m",
                               low=100),
        speed_kmh=_number(data.get("speed_kmh", default.speed_kmh), f"{origin} speed_kmh", low=1, high=200),
        stop_minutes=_number(data.get("stop_minutes", default.stop_minutes), f"{origin} stop_minutes", low=0),
        detour_factor=_number(data.get("detour_factor", default.detour_factor), f"{origin} detour_factor",
                              low=1, high=5),
        return_to_post=bool(data.get("return_to_post", default.return_to_post)),
        sector_buffer_m=_number(data.get("sector_buffer_m", default.sector_buffer_m),
                                f"{origin} sector_buffer_m", low=0))


# --- loading --------------------------------------------------------------------------------

def load_security_data(folder: Path | str | None = None) -> SecurityData:
    """Read and validate every file of ``folder`` (default ``data/security``), cached until a
    file changes."""
    path = Path(folder) if folder else SECURITY_DIR
    names = ("posts.csv", "jurisdictions.toml", "profiles.toml", "risk.toml", "patrol.toml")
    stamps = tuple((p.stat().st_mtime_ns, p.stat().st_size) if p.exists() else None
                   for p in (path / n for n in names))
    return _load(path.resolve(), stamps)


@lru_cache(maxsize=8)
def _load(folder: Path, _stamps: tuple) -> SecurityData:
    posts_path = folder / "posts.csv"
    try:
        posts = parse_posts(posts_path.read_text(encoding="utf-8"), str(posts_path))
    except FileNotFoundError:
        raise SecurityDataError(f"{posts_path}: file not found") from None
    jurisdictions = parse_jurisdictions(_read_toml(folder / "jurisdictions.toml"), posts,
                                        str(folder / "jurisdictions.toml"))
    profiles = parse_profiles(_read_toml(folder / "profiles.toml"), str(folder / "profiles.toml"))
    risk = parse_risk(_read_toml(folder / "risk.toml"), str(folder / "risk.toml"))
    patrol_path = folder / "patrol.toml"
    patrol = (parse_patrol(_read_toml(patrol_path), str(patrol_path)) if patrol_path.exists()
              else PatrolConfig())
    return SecurityData(posts, jurisdictions, profiles, risk, patrol, folder)
