"""HTML views of the OGC API pages (``f=html``, or a browser's ``Accept: text/html``) for
people who open an ``/ogc`` URL in a browser: the landing page, the collections, one
collection and a page of features as a table with next/previous links. Same data and role
rules as the JSON; rendered in the site's layout and language."""

from __future__ import annotations

from typing import Any

import orjson
from flask import request

from pks_geo.web.auth import render_page


def wants_html() -> bool:
    """``f=html``, or no ``f`` and a client that prefers HTML to JSON (a browser)."""
    fmt = request.args.get("f")
    if fmt is not None:
        return fmt == "html"
    accept = request.accept_mimetypes  # browsers rank text/html above */*; GDAL/QGIS ask for JSON
    return accept["text/html"] > max(accept["application/json"], accept["application/geo+json"])


def _html_link(href: str, limit: int) -> str:
    """The same URL with ``f=html`` (links between the HTML views stay HTML) and this page's
    ``limit``: a person paging a table wants pages of one size (the JSON next links grow)."""
    from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

    parts = urlsplit(href)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("f", "limit")]
    query.append(("limit", str(limit)))
    return urlunsplit(parts._replace(query=urlencode([*query, ("f", "html")])))


def render(kind: str, heading: str, document: dict[str, Any], **context: Any):  # type: ignore[no-untyped-def]
    """One of the views: ``landing``, ``collections``, ``collection`` or ``items``."""
    if kind == "items":
        features = [orjson.loads(text) for text in context.pop("features_raw")]
        columns: list[str] = []
        for feature in features:
            for name in feature.get("properties") or {}:
                if name not in columns:
                    columns.append(name)
        rels = {link["rel"]: link["href"] for link in document["links"]}
        limit = context.pop("page_limit")
        context.update(features=features, columns=columns,
                       next_url=_html_link(rels["next"], limit) if "next" in rels else None,
                       prev_url=_html_link(rels["prev"], limit) if "prev" in rels else None,
                       returned=document["numberReturned"], matched=document.get("numberMatched"))
    return render_page("ogc.html", kind=kind, heading=heading,
                       description=document.get("description"), links=document.get("links", []),
                       **context)
