"""The shared page layout: one header on every HTML page (app name, region, navigation,
ID/EN switch, user and Keluar), fed to every template by a context processor.

Why a context processor: the map page is written by folium and renders its header on its
own (``map_header.html``), the other pages extend ``base.html``; both include
``_header.html`` and need the same navigation, so it is computed in one place. An entry is
shown only when the role may use it AND its page exists in this app, so a page added later
(``Impor``, ``Insiden``) appears in the navigation by registering its endpoint.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request, url_for

from pks_geo.queries.region import region_name as region_name_of
from pks_geo.web.auth import current_user, has_role
from pks_geo.web.i18n import LANGUAGES

REGION_TTL_SECONDS = 300.0
"""The region name is read from the loaded boundaries; they change only on a boundary load."""


@dataclass(frozen=True)
class NavItem:
    """One navigation entry: the endpoint it opens, its label key and who sees it."""

    endpoint: str
    label: str
    element_id: str
    minimum_role: str | None  # None: any logged-in user (operational pages)
    sections: tuple[str, ...] = ()  # other endpoints that mark this entry as the current one


NAVIGATION: tuple[NavItem, ...] = (
    NavItem("pages.map_page", "nav_map", "nav-map", "viewer"),
    NavItem("incidents_page.incidents", "nav_incidents", "nav-incidents", "analyst",
            ("incidents_page.incident_detail", "incident_form.new_incident", "incident_form.edit_incident")),
    NavItem("security_page.security", "nav_security", "nav-security", None),
    NavItem("briefing_page.briefing", "nav_briefing", "nav-briefing", "viewer"),
    NavItem("import_page.imports", "nav_import", "nav-import", "editor",
            ("import_page.job", "import_page.upload")),
    NavItem("users_admin.users_page", "nav_users", "nav-users", "admin"),
)
"""Peta · Insiden · Rencana Pengamanan · Briefing · Impor · Pengguna (docs/UI.md order)."""


def _allowed(item: NavItem) -> bool:
    if item.endpoint not in current_app.view_functions:
        return False
    if item.minimum_role is None:  # operational data: logged-in users only, never anonymous
        return current_user() is not None
    return has_role(item.minimum_role)


def navigation() -> list[dict[str, Any]]:
    """The entries this requester may use, with their URL and whether they are the current page."""
    items = []
    for item in NAVIGATION:
        if not _allowed(item):
            continue
        current = request.endpoint == item.endpoint or request.endpoint in item.sections
        items.append({"url": url_for(item.endpoint), "label": item.label, "id": item.element_id,
                      "current": current})
    if not any(i["id"] == "nav-incidents" for i in items) and has_role("editor") \
            and "incident_form.new_incident" in current_app.view_functions:
        items.insert(1, {"url": url_for("incident_form.new_incident"), "label": "nav_new_incident",
                         "id": "nav-new-incident",
                         "current": request.endpoint == "incident_form.new_incident"})
    return items


def language_urls() -> dict[str, str]:
    """This page's URL in each language, keeping the other query parameters (filters, ``next``)."""
    urls = {}
    for code in LANGUAGES:
        args = request.args.copy()
        args["lang"] = code
        urls[code] = request.path + "?" + urlencode(list(args.items(multi=True)))
    return urls


def region_name() -> str | None:
    """The loaded region as the header names it: the single kabupaten/kota, else the province.

    Cached per app for a few minutes, so a page costs no extra query most of the time; ``None``
    when nothing is loaded (the template then shows the configured default)."""
    cache = current_app.extensions.setdefault("pks_geo.region_cache", {})
    now = time.monotonic()
    if cache.get("at") is not None and now - cache["at"] < REGION_TTL_SECONDS:
        return cache["name"]
    name = _read_region()
    cache.update(at=now, name=name)
    return name


def _read_region() -> str | None:
    engine = current_app.extensions.get("pks_geo.engine")
    if engine is None:
        return None
    settings = current_app.extensions.get("pks_geo.settings")
    return region_name_of(engine, getattr(settings, "region", None))


def _layout_context() -> dict[str, Any]:
    if request.endpoint is None:
        return {}
    return {"nav_items": navigation, "lang_urls_for_page": language_urls, "region_name": region_name,
            "languages": LANGUAGES}


def init_app(app: Flask) -> None:
    """Give every template the navigation, the language links and the region (lazily)."""
    app.context_processor(_layout_context)
