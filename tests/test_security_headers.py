"""Security headers on every response (issue 13): every GET route of ``app.url_map`` (new routes
are picked up on their own; one the test cannot fill fails it) is requested anonymously and as
an analyst, and every answer, whatever its status, must carry ``X-Content-Type-Options: nosniff``
and a ``Referrer-Policy``; every HTML page a ``Content-Security-Policy`` whose ``script-src`` allows
the app's own files and no inline script except those carrying this response's nonce. The map
page runs in Chromium under that policy without a violation."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import text

from pks_geo.feature_sql.features import COLLECTIONS
from pks_geo.maps.interactive import build_map_page
from pks_geo.maps.views import create_view
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)([^>]*)>", re.I)
SELFCONTAINED = "briefing.selfcontained_html"
"""The offline file: scripts inline by design, and a policy that forbids it any request."""


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


def _fills(ds: Dataset) -> dict[str, list[str]]:
    spec = {"title": "Uji header", "metric": "count", "filters": {"level": "kecamatan"}}
    view = create_view(ds.engine, spec, actor="test")
    with ds.engine.connect() as conn:
        incident = conn.execute(text("SELECT min(id) FROM incident")).scalar_one()
        desa = conn.execute(text("SELECT min(kode) FROM admin_area WHERE level = 'desa'")).scalar_one()
    return {"view_id": [view.id], "kode": [desa], "incident_id": [str(incident)],
            "collection_id": list(COLLECTIONS), "fid": [desa], "dataset": ["choropleth"],
            "fmt": ["csv", "geojson"], "name": ["areas-desa"], "z": ["10"], "x": ["860"], "y": ["523"],
            "filename": ["js/map.js"], "package": ["leaflet"], "polsek": ["tinanggea"],
            "token": ["x" * 32]}  # an Impor upload (editor+ only)


def _urls(app: Any, fills: dict[str, list[str]]) -> list[tuple[str, str]]:
    urls = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods:
            continue
        unknown = set(rule.arguments) - set(fills)
        assert not unknown, f"cannot fill {unknown} of {rule.rule}: teach this test (new route?)"
        combos: list[dict[str, str]] = [{}]
        for name in sorted(rule.arguments):
            combos = [{**c, name: v} for c in combos for v in fills[name]]
        for values in combos:
            if rule.endpoint == "assets.vendor":
                values = {"package": "leaflet", "filename": "leaflet.js"}
            urls.append((rule.endpoint, rule.build(values, append_unknown=False)[1]))
    return urls


def _script_src(csp: str) -> list[str]:
    for directive in csp.split(";"):
        words = directive.split()
        if words and words[0] == "script-src":
            return words[1:]
    return []


def test_every_response_carries_the_headers(ds: Dataset) -> None:
    app = create_app({"DATABASE_URL": ds.url, "TESTING": True})
    client = app.test_client()
    urls = _urls(app, _fills(ds))
    assert len(urls) >= 60
    pages: set[str] = set()
    statuses: set[int] = set()
    for endpoint, url in urls + [("missing", "/tidak-ada"), ("bad", "/api/v1/choropleth?level=planet")]:
        for who, headers in (("anonymous", {}), ("analyst", bearer(ds, "analyst"))):
            response = client.get(url, headers=headers)
            statuses.add(response.status_code)
            where = f"{who} {url} ({response.status_code})"
            assert response.headers.get("X-Content-Type-Options") == "nosniff", where
            expected = "no-referrer" if endpoint.startswith("embed.") else "strict-origin-when-cross-origin"
            assert response.headers.get("Referrer-Policy") == expected, where
            if response.mimetype != "text/html":
                continue
            csp = response.headers.get("Content-Security-Policy", "")
            assert "frame-ancestors" in csp, where
            sources = _script_src(csp)
            if endpoint == SELFCONTAINED and response.status_code == 200:
                assert "default-src 'none'" in csp and "'self'" not in sources, where
                pages.add(endpoint)
                continue
            assert sources and sources[0] == "'self'", where
            assert "'unsafe-inline'" not in sources and "'unsafe-eval'" not in sources, where
            body = response.get_data(as_text=True)
            for attributes in INLINE_SCRIPT.findall(body):
                if re.search(r'type="application/(?:geo\+)?json"', attributes):
                    continue  # data, never run
                nonce = re.search(r'nonce="([^"]+)"', attributes)
                assert nonce and f"'nonce-{nonce.group(1)}'" in sources, f"{where}: <script{attributes}>"
            assert not re.search(r"<[^>]+\son[a-z]+\s*=", body), f"{where}: inline event handler"
            if response.status_code == 200:
                pages.add(endpoint)
    # the pages that matter were really rendered, not only their log-in redirects
    assert {"pages.map_page", "auth.login", "incidents_page.incidents", "briefing_page.briefing",
            "embed.embed_page", SELFCONTAINED} <= pages, pages
    assert {200, 302, 400, 401, 404} <= statuses


def test_map_page_nonce_is_fresh_and_only_on_generated_scripts(ds: Dataset) -> None:
    client = create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()
    first, second = client.get("/peta"), client.get("/peta")
    nonces = [re.search(r"'nonce-([^']+)'", r.headers["Content-Security-Policy"]).group(1)
              for r in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 22
    body = first.get_data(as_text=True)
    assert body.count(f'nonce="{nonces[0]}"') == 3  # folium's two scripts and the config object
    # header and panel (where reflected input may land) are put in after the nonce: none of theirs
    html = build_map_page(title="t", texts={"layer_basemap": "b"}, lang="id", bounds=None, tile_url=None,
                          tile_attribution="", header_html="<script>alert(1)</script>",
                          panel_html="<script>alert(2)</script>", nonce="N0NCE")
    assert html.count('<script nonce="N0NCE">') == 3
    assert "<script>alert(1)</script>" in html and "<script>alert(2)</script>" in html


def test_map_page_runs_under_its_policy(page, live_server: str) -> None:
    violations: list[str] = []
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.expose_function("reportViolation", lambda v: violations.append(v))
    page.add_init_script("document.addEventListener('securitypolicyviolation', "
                         "e => window.reportViolation(e.violatedDirective + ' ' + e.blockedURI))")
    response = page.goto(live_server + "/peta")
    assert "script-src 'self' 'nonce-" in response.headers["content-security-policy"]
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert page.locator("path[data-level='kecamatan']").count() == 25
    assert violations == [] and errors == []
    # an injected inline script would not run
    ran = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.__injected = 1'; document.body.appendChild(s);
        return window.__injected === 1; }""")
    assert ran is False
    page.wait_for_timeout(200)
    assert any(v.startswith("script-src") for v in violations)
