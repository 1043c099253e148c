"""Saved views: a named choropleth (metric, filters, classification, extent) with a short id.

A briefing map, an embed and a self-contained HTML file all name what they show by a
view id, so the same picture can be printed today and re-printed next week with fresh
data. A view is validated with exactly the parser of ``/api/v1/choropleth``
(:func:`~pks_geo.stats.choropleth.parse_choropleth_args`), so anything the interactive
map can show can be saved, and nothing it would refuse can. ``default`` is the built-in
view: incidents per kecamatan, all data, quantiles.

Creating and deleting views is audited (``audit_event``, entity ``saved_view``) in the
same transaction as the change.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from pks_geo import audit
from pks_geo.queries.filters import FILTER_PARAMETERS, ParameterError
from pks_geo.stats.choropleth import ChoroplethRequest, parse_choropleth_args
from pks_geo.stats.classify import DEFAULT_K, DEFAULT_SCHEME
from pks_geo.stats.palettes import DEFAULT_PALETTE

DEFAULT_VIEW_ID = "default"
VIEW_LAYERS = ("choropleth", "kecamatan", "desa", "incidents", "tps", "hotspots", "lisa", "compare",
               "clusters", "heat", "emerging", "labels", "kecamatan_source", "incidents_all")
"""Layers a view may name; the interactive map switches on those named (its link's ``show=``,
web/static/js/map.js uses the same names) and off the others. Prints, embeds and HTML files
draw only the choropleth (and, on a desa map, kecamatan outlines when ``kecamatan`` is named):
they never show incident points."""
DEFAULT_LAYERS = ("choropleth", "kecamatan")
SPEC_KEYS = ("title", "layers", "metric", "smooth", "filters", "classification", "extent")
CLASSIFICATION_KEYS = ("scheme", "k", "breaks", "palette")
ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,16}$")
TITLE_MAX = 200

COLUMNS = "id, title, layers, metric, smooth, filters, classification, extent, created_by, created_at"
INSERT_SQL = text("""
INSERT INTO saved_view (id, title, layers, metric, smooth, filters, classification, extent, created_by)
VALUES (:id, :title, CAST(:layers AS jsonb), :metric, :smooth, CAST(:filters AS jsonb),
        CAST(:classification AS jsonb), CAST(:extent AS jsonb), :created_by)
RETURNING created_at
""")


class ViewNotFound(LookupError):
    """No saved view has this id."""


class ViewPermissionError(PermissionError):
    """Only the view's creator or an admin may delete it."""


@dataclass(frozen=True)
class View:
    """A saved (or the built-in default) view, as stored: normalised and JSON-ready."""

    id: str
    title: str
    layers: tuple[str, ...] = DEFAULT_LAYERS
    metric: str = "count"
    smooth: str | None = None
    filters: dict[str, Any] = field(default_factory=lambda: {"level": "kecamatan"})
    classification: dict[str, Any] = field(default_factory=lambda: {
        "scheme": DEFAULT_SCHEME, "k": DEFAULT_K, "breaks": None, "palette": DEFAULT_PALETTE})
    extent: tuple[float, float, float, float] | None = None
    """[west, south, east, north] in WGS 84 degrees; ``None``: the extent of the mapped areas."""
    created_by: str | None = None
    created_at: datetime | None = None

    @property
    def level(self) -> str:
        return self.filters.get("level") or "kecamatan"

    def choropleth_args(self, lang: str | None = None, **overrides: str) -> dict[str, str]:
        """The view as ``/api/v1/choropleth`` query parameters (also the interactive map's URL)."""
        args = _filter_args(self.filters)
        args["metric"] = self.metric
        if self.smooth:
            args["smooth"] = self.smooth
        cls = self.classification
        args["scheme"] = cls.get("scheme") or DEFAULT_SCHEME
        if cls.get("breaks"):
            args["breaks"] = ",".join(_number_text(b) for b in cls["breaks"])
        else:
            args["k"] = str(cls.get("k") or DEFAULT_K)
        args["palette"] = cls.get("palette") or DEFAULT_PALETTE
        if lang:
            args["lang"] = lang
        args.update(overrides)
        return args

    def map_url(self, lang: str | None = None) -> str:
        """The interactive map showing this view: its filters and classes, its extent
        (``extent=west,south,east,north``) and the layers it had switched on (``show=``)."""
        args = self.choropleth_args(lang)
        if self.extent:
            args["extent"] = ",".join(_number_text(v) for v in self.extent)
        if self.layers != DEFAULT_LAYERS:  # views saved before layers were kept open with the map's own
            args["show"] = ",".join(layer for layer in self.layers if layer != "choropleth")
        return "/peta?" + urlencode(args)

    def to_json(self) -> dict[str, Any]:
        base = f"/maps/{self.id}"
        return {
            "id": self.id, "title": self.title, "layers": list(self.layers), "metric": self.metric,
            "smooth": self.smooth, "filters": self.filters, "classification": self.classification,
            "extent": list(self.extent) if self.extent else None, "created_by": self.created_by,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "links": {"png": base + ".png", "pdf": base + ".pdf", "atlas": base + "/atlas.pdf",
                      "html": base + ".html", "map": self.map_url(),
                      "embed_token": f"/api/v1/views/{self.id}/embed-token"},
        }


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _filter_args(filters: Mapping[str, Any]) -> dict[str, str]:
    """Stored/posted filters (lists, booleans, None) as request parameters."""
    out: dict[str, str] = {}
    for name, value in filters.items():
        if value is None or value is False or value == "" or value == []:
            continue
        if isinstance(value, list | tuple):
            out[name] = ",".join(str(v) for v in value)
        elif value is True:
            out[name] = "true"
        else:
            out[name] = str(value)
    return out


def default_view(title: str = "Insiden per kecamatan") -> View:
    """The built-in view: incident count per kecamatan over all data, quantiles, k = 5."""
    return View(id=DEFAULT_VIEW_ID, title=title)


def choropleth_request(engine: Engine, view: View, lang: str, **overrides: str) -> ChoroplethRequest:
    """Re-validate the view against today's data (an election may have been deleted since)."""
    return parse_choropleth_args(view.choropleth_args(lang, **overrides), engine, default_lang=lang)


# --- validation -----------------------------------------------------------------------------

def _prefixed(exc: ParameterError) -> ParameterError:
    """Name the parameter as it sits in the posted document (``filters.from``, ``classification.k``)."""
    name = exc.parameter
    if name in FILTER_PARAMETERS:
        name = "filters." + name
    elif name in CLASSIFICATION_KEYS:
        name = "classification." + name
    return ParameterError(name, exc.message)


def _title(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ParameterError("title", "give a title (1-200 characters)")
    title = " ".join(value.split())
    if len(title) > TITLE_MAX:
        raise ParameterError("title", f"at most {TITLE_MAX} characters, got {len(title)}")
    return title


def _layers(value: Any) -> tuple[str, ...]:
    if value is None:
        return DEFAULT_LAYERS
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise ParameterError("layers", f"give a list of layer names from {', '.join(VIEW_LAYERS)}")
    for layer in value:
        if layer not in VIEW_LAYERS:
            raise ParameterError("layers", f"unknown layer {layer!r}; expected {', '.join(VIEW_LAYERS)}")
    return tuple(dict.fromkeys(value))


def _extent(value: Any) -> tuple[float, float, float, float] | None:
    if value is None:
        return None
    message = "give [west, south, east, north] in WGS 84 degrees"
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise ParameterError("extent", message)
    try:
        west, south, east, north = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ParameterError("extent", message) from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise ParameterError("extent", message)
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ParameterError("extent", f"{message}, west < east and south < north; got {list(value)}")
    return west, south, east, north


def validate_spec(engine: Engine, spec: Mapping[str, Any]) -> View:
    """Check a posted view document and return it normalised (id and creator not yet set)."""
    if not isinstance(spec, Mapping):
        raise ParameterError("body", "expected a JSON object")
    for key in spec:
        if key not in SPEC_KEYS:
            raise ParameterError(key, f"unknown field; known: {', '.join(SPEC_KEYS)}")
    filters = spec.get("filters") or {}
    classification = spec.get("classification") or {}
    if not isinstance(filters, Mapping):
        raise ParameterError("filters", "expected an object of filter parameters")
    if not isinstance(classification, Mapping):
        raise ParameterError("classification", "expected an object with scheme, k, breaks, palette")
    for key in filters:
        if key not in FILTER_PARAMETERS:
            raise ParameterError("filters." + str(key),
                                 f"unknown filter; known: {', '.join(FILTER_PARAMETERS)}")
    for key in classification:
        if key not in CLASSIFICATION_KEYS:
            raise ParameterError("classification." + str(key),
                                 f"unknown field; known: {', '.join(CLASSIFICATION_KEYS)}")
    title = _title(spec.get("title"))
    layers = _layers(spec.get("layers"))
    extent = _extent(spec.get("extent"))
    args = _filter_args(filters)
    for name in ("metric", "smooth"):
        if spec.get(name) is not None:
            args[name] = str(spec[name])
    breaks = classification.get("breaks")
    if isinstance(breaks, list | tuple):
        breaks = ",".join(str(b) for b in breaks)
    for name, value in (("scheme", classification.get("scheme")), ("k", classification.get("k")),
                        ("breaks", breaks), ("palette", classification.get("palette"))):
        if value is not None and value != "":
            args[name] = str(value)
    try:
        req = parse_choropleth_args(args, engine)
    except ParameterError as exc:
        raise _prefixed(exc) from None
    return View(id="", title=title, layers=layers, metric=req.metric, smooth=req.smooth,
                filters=req.filters.echo(),
                classification={"scheme": req.scheme, "k": req.k,
                                "breaks": list(req.breaks) if req.breaks else None, "palette": req.palette},
                extent=extent)


# --- storage --------------------------------------------------------------------------------

def _row_to_view(row: Any) -> View:
    return View(id=row.id, title=row.title, layers=tuple(row.layers), metric=row.metric, smooth=row.smooth,
                filters=dict(row.filters), classification=dict(row.classification),
                extent=tuple(row.extent) if row.extent else None, created_by=row.created_by,
                created_at=row.created_at)


def new_view_id() -> str:
    """8 URL-safe characters (about 48 random bits): short enough to read out, too many to guess.

    The first one is a letter or digit, so that a command line never takes the id for an
    option (``pks-geo maps print -gA1…`` would be read as the option ``-g``)."""
    while True:
        view_id = secrets.token_urlsafe(6)
        if view_id[0].isalnum():
            return view_id


def create_view(engine: Engine, spec: Mapping[str, Any], *, actor: str) -> View:
    """Validate and store a view; returns it with its new id."""
    view = validate_spec(engine, spec)
    for _ in range(5):
        view_id = new_view_id()
        try:
            with engine.begin() as conn:
                created_at = conn.execute(INSERT_SQL, {
                    "id": view_id, "title": view.title, "layers": json.dumps(list(view.layers)),
                    "metric": view.metric, "smooth": view.smooth, "filters": json.dumps(view.filters),
                    "classification": json.dumps(view.classification),
                    "extent": json.dumps(list(view.extent)) if view.extent else None,
                    "created_by": actor,
                }).scalar_one()
                stored = replace(view, id=view_id, created_by=actor, created_at=created_at)
                audit.record(conn, actor=actor, action="create", entity="saved_view", entity_id=view_id,
                             after=stored.to_json())
            return stored
        except IntegrityError as exc:  # an id collision (1 in 2**48): draw again
            if "saved_view_pkey" not in str(exc.orig):
                raise
    raise RuntimeError("could not draw a free view id")


def get_view(engine: Engine, view_id: str) -> View:
    """The view with ``view_id`` (``default`` is built in); raises :class:`ViewNotFound`."""
    if view_id == DEFAULT_VIEW_ID:
        return default_view()
    if not ID_PATTERN.match(view_id or ""):
        raise ViewNotFound(view_id)
    with engine.connect() as conn:
        row = conn.execute(text(f"SELECT {COLUMNS} FROM saved_view WHERE id = :id"), {"id": view_id}).first()
    if row is None:
        raise ViewNotFound(view_id)
    return _row_to_view(row)


def list_views(engine: Engine, created_by: str | None = None) -> list[View]:
    """All saved views (of one creator when given), newest first."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            f"SELECT {COLUMNS} FROM saved_view "
            "WHERE CAST(:by AS text) IS NULL OR lower(created_by) = lower(CAST(:by AS text)) "
            "ORDER BY created_at DESC, id"), {"by": created_by})
        return [_row_to_view(row) for row in rows]


def delete_view(engine: Engine, view_id: str, *, actor: str, is_admin: bool) -> View:
    """Delete a view: its creator or an admin only. Embed tokens for it stop working."""
    with engine.begin() as conn:
        row = conn.execute(text(f"SELECT {COLUMNS} FROM saved_view WHERE id = :id FOR UPDATE"),
                           {"id": view_id}).first()
        if row is None:
            raise ViewNotFound(view_id)
        view = _row_to_view(row)
        if not is_admin and (view.created_by or "").lower() != actor.lower():
            raise ViewPermissionError(f"view {view_id} belongs to {view.created_by!r}; only its creator "
                                      "or an admin may delete it")
        conn.execute(text("DELETE FROM saved_view WHERE id = :id"), {"id": view_id})
        audit.record(conn, actor=actor, action="delete", entity="saved_view", entity_id=view_id,
                     before=view.to_json())
    return view
