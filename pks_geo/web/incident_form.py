"""Web form where an editor records or edits one incident by clicking its place on a map.

``/insiden/baru`` (new) and ``/insiden/<id>/ubah`` (edit), ``/insiden/<id>/hapus`` (delete,
POST). The form posts to the server, which runs exactly the API's rules
(:mod:`pks_geo.ingest.incident_edit`) and shows each refusal next to its field; the page
works without JavaScript except for the map click, which only fills ``lat``/``lon``.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for

from pks_geo.ingest.incident_edit import (
    EditError,
    create_incident,
    delete_incident,
    form_values,
    located_in,
    update_incident,
)
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.models import INCIDENT_STATUS, KATEGORI, STAGES
from pks_geo.queries.areas import desa_choices, loaded_extent
from pks_geo.queries.meta import election_choices
from pks_geo.web.assets import vendor_url
from pks_geo.web.auth import current_user, page_texts, render_page, require_role
from pks_geo.web.context import engine, settings

bp = Blueprint("incident_form", __name__)


def _actor() -> str:
    """The signed-in user's name (require_role has let only a user in)."""
    user = current_user()
    assert user is not None
    return user.username

FORM_FIELDS = ("event_date", "kategori", "description", "actor1", "actor2", "meninggal", "luka",
               "sumber", "place_name", "lat", "lon", "kode_desa", "location_precision", "election_code",
               "stage", "status")


def _translate(message: str, texts: dict[str, str], lang: str) -> str:
    """A validator's reason in the page's language: for each coded part
    (:class:`pks_geo.ingest.reasons.Reason`) the form's sentence ``reason_<code>`` of the catalogue,
    else the import report's ``imp_reason_<code>`` (every code has one, tests/test_reasons.py);
    English pages and uncoded texts keep the validator's English text (what the API says)."""
    if lang == "en":
        return message
    parts = getattr(message, "parts", None) or (message,)
    shown = []
    for part in parts:
        code = getattr(part, "code", None)
        key = next((k for k in (f"reason_{code}", f"imp_reason_{code}") if code and k in texts), None)
        shown.append(texts[key].format(**getattr(part, "params", {})) if key else str(part))
    return " ".join(shown)


def _render(values: dict[str, object], errors: dict[str, str], incident_id: int | None,
            status: int = 200):  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    taxonomy = load_taxonomy()
    shown = {("kode_desa" if name == "desa_kode" else name): _translate(message, texts, lang)
             for name, message in errors.items()}
    precisions = ["exact", "near", "desa"]
    if values.get("location_precision") not in (None, "", *precisions):
        precisions.append(str(values["location_precision"]))
    return render_page(
        "incident_form.html", status, values=values, errors=shown, incident_id=incident_id,
        kategori=[(code, taxonomy.label(code, lang)) for code in KATEGORI],
        stages=STAGES, statuses=INCIDENT_STATUS, precisions=precisions, elections=election_choices(engine()),
        desa=desa_choices(engine()), field_labels=_field_labels(texts),
        config={"bounds": loaded_extent(engine(), "desa"), "tileUrl": settings().tile_url,
                "tileAttribution": settings().tile_attribution,
                "texts": {"desa": texts["form_desa_layer"]}},
        leaflet_js=vendor_url("leaflet", "leaflet.js"), leaflet_css=vendor_url("leaflet", "leaflet.css"))


FIELD_LABELS = {
    "event_date": "form_event_date", "kategori": "form_kategori", "description": "form_description",
    "actor1": "form_actor1", "actor2": "form_actor2", "meninggal": "form_meninggal", "luka": "form_luka",
    "sumber": "form_sumber", "place_name": "form_place_name", "lat": "form_lat", "lon": "form_lon",
    "kode_desa": "form_desa_pick", "location_precision": "form_location_precision",
    "election_code": "form_election", "stage": "form_stage", "status": "form_status"}
"""Field name -> catalogue key of its label, for the list of all errors above the form."""


def _field_labels(texts: dict[str, str]) -> dict[str, str]:
    return {name: texts[key] for name, key in FIELD_LABELS.items()}


def _flash_saved(incident_id: int, warnings: dict[str, str]) -> None:
    """Say where the incident landed and every correction made, so nothing changes unseen."""
    lang, texts = page_texts()
    place = located_in(engine(), incident_id) or {}
    message = texts["form_saved"].format(id=incident_id)
    if place.get("desa"):
        message += " " + texts["form_saved_in"].format(desa=place["desa"],
                                                       kecamatan=place.get("kecamatan") or "")
        if place.get("location_precision") == "desa":
            message += " " + texts["form_saved_at_desa"]
    flash(message, "success")
    for field, reason in warnings.items():
        label = _field_labels(texts).get(field, field)
        flash(f"{texts['warning']} ({label}): {_translate(reason, texts, lang)}", "warning")


def _posted() -> dict[str, object]:
    """The form's fields; empty inputs become None (unknown), as in an import sheet."""
    values: dict[str, object] = {name: (request.form.get(name, "").strip() or None) for name in FORM_FIELDS}
    if values["kode_desa"] and values["lat"] is None and values["lon"] is None:
        values["location_precision"] = "desa"  # a desa chosen by name and no point: its middle
    return values


@bp.route("/insiden/baru", methods=["GET", "POST"])
@require_role("editor")
def new_incident():  # type: ignore[no-untyped-def]
    if request.method == "GET":
        return _render({"status": "unverified", "location_precision": "exact"}, {}, None)
    values = _posted()
    try:
        incident_id, warnings = create_incident(engine(), values, actor=_actor())
    except EditError as exc:
        return _render(values, exc.errors, None, 422 if exc.status != 400 else 400)
    _flash_saved(incident_id, warnings)
    return redirect(url_for("incident_form.edit_incident", incident_id=incident_id))


@bp.route("/insiden/<int:incident_id>/ubah", methods=["GET", "POST"])
@require_role("editor")
def edit_incident(incident_id: int):  # type: ignore[no-untyped-def]
    stored = form_values(engine(), incident_id)
    if stored is None:
        _, texts = page_texts()
        return render_page("base.html", 404, message=texts["form_not_found"])
    if request.method == "GET":
        at_desa = stored.get("location_precision") == "desa"
        return _render({**stored, "election_code": stored.get("election_code") or "",
                        "kode_desa": stored.get("desa_kode") if at_desa else None}, {}, incident_id)
    values = _posted()
    try:
        warnings = update_incident(engine(), incident_id, values, actor=_actor())
    except EditError as exc:
        return _render(values, exc.errors, incident_id, 422 if exc.status != 400 else 400)
    _flash_saved(incident_id, warnings)
    return redirect(url_for("incident_form.edit_incident", incident_id=incident_id))


@bp.post("/insiden/<int:incident_id>/hapus")
@require_role("editor")
def remove_incident(incident_id: int):  # type: ignore[no-untyped-def]
    _, texts = page_texts()
    try:
        delete_incident(engine(), incident_id, actor=_actor())
    except EditError:
        return render_page("base.html", 404, message=texts["form_not_found"])
    flash(texts["form_deleted"].format(id=incident_id), "success")
    if "incidents_page.incidents" in current_app.view_functions:  # back to the list
        return redirect(url_for("incidents_page.incidents"))
    return redirect(url_for("incident_form.new_incident"))
