"""Everything a briefing product shows for one view: the classified areas and the words
around them (title, subtitle with filters and period, data date, source line, marking).

Print maps, embeds and self-contained HTML files all start here, so a PNG, an iframe and
an e-mailed HTML file of the same view show the same numbers, classes and captions. Only
aggregates leave this module: the choropleth document of
:func:`~pks_geo.stats.choropleth.build_choropleth` (per area: kode, nama, value,
class, rank, incident count, DPT) and captions; never an incident record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Engine, text

from pks_geo import formats
from pks_geo.catalogue import plural
from pks_geo.config import Settings
from pks_geo.maps.views import DEFAULT_VIEW_ID, View, choropleth_request
from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.incident_summary import IncidentSummary, incident_summary
from pks_geo.queries.meta import filter_options
from pks_geo.queries.region import region_name
from pks_geo.queries.simplify import display_geometries
from pks_geo.queries.version_watch import current_versions
from pks_geo.stats.choropleth import VERSIONED_TABLES, build_choropleth

AREA_NAME_SQL = text("SELECT nama FROM admin_area WHERE kode = :kode")


@dataclass(frozen=True)
class MapData:
    """One view's classified areas plus its captions, in one language."""

    view: View
    lang: str
    texts: dict[str, str]
    collection: dict[str, Any]
    """The choropleth FeatureCollection (geometries are ``orjson.Fragment``)."""
    geometries: dict[str, bytes]
    """Display geometry (GeoJSON text) per area code of the view's level."""
    title: str
    subtitle: str
    data_line: str
    source_line: str
    marking: str

    @property
    def level(self) -> str:
        return self.collection["filters"]["level"]

    @property
    def legend(self) -> dict[str, Any]:
        return self.collection["legend"]

    def captions(self) -> dict[str, str]:
        return {"title": self.title, "subtitle": self.subtitle, "data_date": self.data_line,
                "source": self.source_line, "marking": self.marking, "lang": self.lang}

    def geojson(self, note: str | None = None) -> bytes:
        """The FeatureCollection with ``view`` (captions) and ``texts`` members (RFC 7946 foreign
        members); ``note`` is an extra footer text."""
        body = dict(self.collection)
        body["view"] = {"id": self.view.id, **self.captions(),
                        "extent": list(self.view.extent) if self.view.extent else None}
        body["texts"] = {"value": self.texts["tip_value"], "incidents": self.texts["tip_incidents"],
                         "counts_note": self.texts["brief_counts_note"], "note": note}
        return orjson.dumps(body)


def format_date(value: date | datetime, lang: str) -> str:
    """``28 Nov 2026`` (id: ``Mei``, ``Agu``, ``Okt``, ``Des``), as the pages write dates (docs/UI.md):
    Babel, through :mod:`pks_geo.formats` (the print code runs without the web app)."""
    return formats.format_date(value, lang)


def default_title(metric_label: str, level: str, texts: dict[str, str]) -> str:
    return texts["brief_per_level"].format(metric=metric_label, level=texts[f"brief_level_{level}"])


NARROWING_FILTERS = ("election", "stage", "kategori", "source", "verified", "within")


def _narrowed(filters: dict[str, Any]) -> bool:
    """Whether some filter other than dates keeps incidents out: then it is not "all data"."""
    return any(filters.get(name) for name in NARROWING_FILTERS)


def _period(filters: dict[str, Any], summary: IncidentSummary, texts: dict[str, str], lang: str,
            disclosure: Disclosure = EXACT) -> str:
    if disclosure.active and summary.first and summary.last:
        # below analyst the data's own first and last days are those of single incidents: months
        last_month = date(summary.last.year + summary.last.month // 12, summary.last.month % 12 + 1, 1)
        summary = replace(summary, first=summary.first.replace(day=1),
                          last=last_month - timedelta(days=1))
    first = date.fromisoformat(filters["from"]) if filters.get("from") else None
    last = date.fromisoformat(filters["to"]) if filters.get("to") else None
    if first and last:
        text_ = texts["brief_period"].format(first=format_date(first, lang), last=format_date(last, lang))
    elif first:
        text_ = texts["brief_period_from"].format(first=format_date(first, lang))
    elif last:
        text_ = texts["brief_period_to"].format(last=format_date(last, lang))
    elif summary.first and summary.last and _narrowed(filters):
        text_ = texts["brief_period"].format(first=format_date(summary.first, lang),
                                             last=format_date(summary.last, lang))
    elif summary.first and summary.last:
        text_ = texts["brief_period_all"].format(first=format_date(summary.first, lang),
                                                 last=format_date(summary.last, lang))
    else:
        return texts["brief_no_incidents"]
    if not summary.count:
        return f"{text_} ({texts['brief_no_incidents']})"
    small = disclosure.small(summary.count)
    count = plural(texts, "brief_n_incidents", disclosure.min_cell if small else summary.count, lang).format(
        n=f"< {disclosure.min_cell}" if small else summary.count)
    return f"{text_} ({count})"


def describe_filters(engine: Engine, collection: dict[str, Any], summary: IncidentSummary,
                     texts: dict[str, str], lang: str, disclosure: Disclosure = EXACT) -> str:
    """The subtitle: what was counted, where, when, by whom; one line of ``·``-separated parts."""
    filters = collection["filters"]
    options = filter_options(engine, lang)
    parts = [_period(filters, summary, texts, lang, disclosure)]
    if filters.get("election"):
        names = {e["code"]: e["name"] for e in options["elections"]}
        parts.append(f"{texts['f_election']}: {names.get(filters['election'], filters['election'])}")
    if filters.get("stage"):
        parts.append(f"{texts['f_stage']}: {texts['stage_' + filters['stage']]}")
    labels = {k["code"]: k["label"] for k in options["kategori"]}
    kategori = [labels.get(code, code) for code in filters.get("kategori") or []]
    parts.append(f"{texts['f_kategori']}: {', '.join(kategori) if kategori else texts['brief_all_kategori']}")
    if filters.get("source"):
        parts.append(f"{texts['brief_sources']}: {', '.join(filters['source'])}")
    if filters.get("verified"):
        parts.append(texts["f_verified"])
    if filters.get("within"):
        with engine.connect() as conn:
            name = conn.execute(AREA_NAME_SQL, {"kode": filters["within"]}).scalar()
        parts.append(f"{texts['brief_area']}: {name or ''} ({filters['within']})")
    if collection["metric"].get("smoothed"):
        parts.append(texts["brief_smoothed"])
    if collection["metric"]["code"] == "per_1000_dpt" and filters.get("dpt_election"):
        parts.append(texts["brief_dpt_election"].format(election=filters["dpt_election"]))
    return " · ".join(parts)


def map_data(engine: Engine, view: View, lang: str, texts: dict[str, str], marking: str, *,
             level: str | None = None, disclosure: Disclosure = EXACT) -> MapData:
    """Aggregate, classify and caption ``view`` (optionally at another ``level``, for the atlas).

    ``texts`` is the UI catalogue in ``lang`` (:func:`pks_geo.web.i18n.translations`), passed
    in by the caller so this layer does not reach up into the web package. ``disclosure``:
    the policy of the audience (small cells suppressed, months instead of days below analyst).
    """
    overrides = {"level": level} if level else {}
    req = choropleth_request(engine, view, lang, **overrides)
    versions = current_versions(engine, VERSIONED_TABLES)
    collection = build_choropleth(engine, req, versions.versions["admin_area"], disclosure)
    geometries = display_geometries(engine, req.filters.level, versions.versions["admin_area"]).geometries
    summary = incident_summary(engine, req.filters)
    title = view.title
    if view.id == DEFAULT_VIEW_ID:
        title = default_title(collection["metric"]["label"], req.filters.level, texts)
    elif level and level != view.level:
        view = replace(view, filters={**view.filters, "level": level})
    subtitle = describe_filters(engine, collection, summary, texts, lang, disclosure)
    if view.id != DEFAULT_VIEW_ID:
        subtitle = default_title(collection["metric"]["label"], req.filters.level, texts) + " · " + subtitle
    region = region_name(engine, Settings.from_env().region)
    if region:  # a print leaves the building: it says which kabupaten it is of
        subtitle = f"{region} · {subtitle}"
    data_line = texts["brief_data_date"].format(
        date=format_date(versions.last_modified, lang) if versions.last_modified else "—")
    data_line += " · " + texts["brief_printed"].format(date=format_date(datetime.now(), lang))
    sources = ", ".join(summary.sources) if summary.sources else texts["brief_source_none"]
    source_line = " · ".join([texts["brief_source_boundaries"],
                              texts["brief_source_incidents"].format(sources=sources),
                              collection["legend"]["attribution"]])
    return MapData(view=view, lang=lang, texts=texts, collection=collection, geometries=geometries,
                   title=title, subtitle=subtitle, data_line=data_line, source_line=source_line,
                   marking=marking)

