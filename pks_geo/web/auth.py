"""Who is asking, and may they? Log-in page, session, Bearer tokens, CSRF and role checks.

Every request is authenticated once, before its view runs: an API token sent as
``Authorization: Bearer`` or as the password of HTTP Basic (:mod:`pks_geo.web.credentials`;
any route, pages included) or else the signed session cookie set by ``/login``. The
principal is re-read from the database on each request, so disabling a user or changing a
role takes effect at once. Views ask through the helpers below and never look at headers:

- :func:`current_user` -> the :class:`~pks_geo.auth.Principal` (``.username``, ``.role``) or ``None``;
- :func:`current_role` -> the user's role, else the anonymous role (``viewer`` or ``None``);
- :func:`has_role` and the decorator :func:`require_role`.

CSRF (Flask-WTF) is checked on every state-changing request except those authenticated by a
Bearer token (a script, not a browser) and anonymous API calls (no ambient credential to
abuse). Browser code calling the API with a session sends the token in ``X-CSRFToken``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Flask,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_wtf.csrf import CSRFError, CSRFProtect

from pks_geo import audit
from pks_geo.auth import Principal, check_role, role_at_least, throttle
from pks_geo.auth.tokens import principal_for_token
from pks_geo.auth.users import authenticate, end_sessions, principal_by_id
from pks_geo.web.context import engine, settings
from pks_geo.web.credentials import AUTH_HINT, add_challenge, is_browser_request, request_token
from pks_geo.web.i18n import LANGUAGES, current_language, translations
from pks_geo.web.sessions import SessionInterface

bp = Blueprint("auth", __name__)
csrf = CSRFProtect()

PUBLIC_ENDPOINTS = frozenset({"auth.login", "health.healthz", "static", "assets.vendor", "assets.favicon",
                              "embed.embed_page", "embed.embed_data"})
"""Reachable without logging in even when ``PKS_GEO_ANONYMOUS_ROLE=none``."""
NO_AUTH_ENDPOINTS = frozenset({"health.healthz", "static", "assets.vendor", "assets.favicon"})
"""Never touch the user tables (health must answer even when the database is in trouble)."""
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


# --- helpers for views ------------------------------------------------------------------

def current_user() -> Principal | None:
    """The logged-in user or token owner of this request, or ``None`` for an anonymous visitor."""
    return g.get("pks_user")


def anonymous_role() -> str | None:
    """Role of visitors who are not logged in (``viewer``, or ``None``: login required)."""
    value = current_app.config.get("ANONYMOUS_ROLE", settings().anonymous_role)
    return None if value in (None, "", "none") else value


def current_role() -> str | None:
    user = current_user()
    return user.role if user is not None else anonymous_role()


def has_role(minimum: str) -> bool:
    """True when the requester (user, or anonymous visitor) has ``minimum`` or a higher role."""
    return role_at_least(current_role(), minimum)


def is_api_request() -> bool:
    """JSON answers for the API and for clients that do not ask for HTML."""
    if request.path.startswith(("/api/", "/tiles/")):
        return True
    if request.path.startswith("/ogc"):  # a GIS client or script gets 401, a browser the log-in page
        if request.args.get("f") in ("html", "json", "geojson"):
            return request.args["f"] != "html"
        return not (is_browser_request() or "text/html" in [m for m, _ in request.accept_mimetypes])
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def require_role(minimum: str, *,
                 signed_in: bool = False) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: 401 (API) or a redirect to ``/login`` (pages) when nobody is logged in and the
    anonymous role is too low; 403 when the logged-in user's role is too low.

    ``signed_in``: operational data (patrol plans, posts, personnel, TPS-risk factors) needs a
    logged-in user or token whatever ``PKS_GEO_ANONYMOUS_ROLE`` grants anonymous visitors."""
    check_role(minimum)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if signed_in and current_user() is None:
                return unauthenticated_response()
            if has_role(minimum):
                return view(*args, **kwargs)
            if current_user() is None:
                return unauthenticated_response()
            return forbidden_response(minimum)

        wrapped.required_role = minimum  # type: ignore[attr-defined]
        wrapped.signed_in = signed_in  # type: ignore[attr-defined]
        return wrapped

    return decorator


def page_texts() -> tuple[str, dict[str, str]]:
    """(language, texts) for a page of this request."""
    lang = current_language(settings().language)
    return lang, translations(lang)


def render_page(template: str, status: int = 200, **context: Any):  # type: ignore[no-untyped-def]
    """Render a page in the request's language; remember an explicit ``?lang=`` in a cookie."""
    lang, texts = page_texts()
    html = render_template(template, lang=lang, texts=texts, languages=LANGUAGES,
                           lang_urls=_language_urls(), user=current_user(), **context)
    response = make_response(html, status)
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
    return response


def _language_urls() -> dict[str, str]:
    """This page's URL in each language, keeping the other query parameters (e.g. ``next``)."""
    urls = {}
    for code in LANGUAGES:
        args = request.args.copy()
        args["lang"] = code
        urls[code] = request.path + "?" + urlencode(list(args.items(multi=True)))
    return urls


# --- error answers ----------------------------------------------------------------------

def unauthenticated_response():  # type: ignore[no-untyped-def]
    if is_api_request():
        response = jsonify(error=AUTH_HINT)
        response.status_code = 401
        return add_challenge(response)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def forbidden_response(minimum: str):  # type: ignore[no-untyped-def]
    if is_api_request():
        response = jsonify(error=f"this needs the role {minimum!r} or higher; you are {current_role()!r}",
                           required_role=minimum)
        response.status_code = 403
        return response
    _, texts = page_texts()
    return render_page("base.html", 403, message=texts["auth_forbidden"].format(
        role=texts[f"role_{minimum}"]))


def _invalid_token_response():  # type: ignore[no-untyped-def]
    response = jsonify(error="invalid, revoked or disabled API token")
    response.status_code = 401
    return add_challenge(response, "invalid_token")


def _csrf_error(exc: CSRFError):  # type: ignore[no-untyped-def]
    if is_api_request():
        response = jsonify(errors={"csrf_token": exc.description})
        response.status_code = 400
        return response
    _, texts = page_texts()
    return render_page("base.html", 400, message=texts["auth_csrf_failed"])


# --- per-request authentication -----------------------------------------------------------

def _authenticate():  # type: ignore[no-untyped-def]
    """before_request: identify the requester, gate anonymous access, check CSRF."""
    g.pks_user = None
    if request.endpoint in NO_AUTH_ENDPOINTS:
        return None
    db = current_app.extensions.get("pks_geo.engine")  # None: no database configured
    credential = request_token()  # Bearer, or HTTP Basic with a token as password (QGIS)
    if credential is not None:
        principal = principal_for_token(db, credential.token) if db is not None else None
        if principal is not None and credential.username is not None \
                and credential.username.casefold() != principal.username.casefold():
            principal = None  # a token works only with its owner's name
        if principal is None:
            return _invalid_token_response()
        g.pks_user = principal
        g.pks_basic = credential.username is not None
    elif "user_id" in session and db is not None:
        g.pks_user = principal_by_id(db, session["user_id"], session.get("gen", -1))
        if g.pks_user is None:  # logged out elsewhere, password/role changed, disabled or deleted
            session.clear()
    if g.pks_user is None and anonymous_role() is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return unauthenticated_response()
    _check_csrf()
    return None


def _check_csrf() -> None:
    if request.method not in UNSAFE_METHODS or not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    user = current_user()
    if user is not None and user.via == "token" and not (g.get("pks_basic") and is_browser_request()):
        return  # a browser may replay remembered Basic credentials cross-site: those keep CSRF
    if user is None and request.path.startswith("/api/"):
        return
    csrf.protect()


def _template_context() -> dict[str, Any]:
    return {"current_user": current_user, "has_role": has_role}


def init_app(app: Flask) -> None:
    """Install CSRF protection, the per-request authentication and the log-in blueprint."""
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _authenticate instead
    app.session_interface = SessionInterface()  # cookie flags: pks_geo.web.sessions
    csrf.init_app(app)
    app.before_request(_authenticate)
    app.register_error_handler(CSRFError, _csrf_error)
    app.context_processor(_template_context)
    app.register_blueprint(bp)


# --- log-in / log-out -------------------------------------------------------------------

def _safe_next(target: str | None) -> str:
    """Only local paths, so the log-in page cannot be used to redirect to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return request.script_root + "/"


@bp.route("/login", methods=["GET", "POST"])
def login():  # type: ignore[no-untyped-def]
    _, texts = page_texts()
    next_url = request.values.get("next")
    if request.method == "GET":
        if current_user() is not None and next_url:
            return redirect(_safe_next(next_url))
        return render_page("login.html", next_url=next_url or "", errors={}, username="")
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = {name: texts["form_required"] for name, value in
              (("username", username), ("password", password)) if not value}
    if errors:
        return render_page("login.html", 400, next_url=next_url or "", errors=errors, username=username)
    limits = _limits()
    address = request.remote_addr
    with engine().begin() as conn:
        wait = throttle.wait_seconds(conn, username, address, limits)
        if wait:
            _audit_login(conn, username, "login_refused", {"reason": "throttled", "retry_after": wait})
    if wait:
        return _throttled(texts, username, next_url, wait)
    principal = authenticate(engine(), username, password)
    with engine().begin() as conn:
        if principal is None:
            throttle.record_failure(conn, username, address, limits)
            _audit_login(conn, username, "login_failed", {})
        else:
            throttle.record_success(conn, principal.username)
            _audit_login(conn, principal.username, "login", {})
    if principal is None:
        errors["form"] = texts["auth_login_failed"]
        return render_page("login.html", 401, next_url=next_url or "", errors=errors, username=username)
    session.clear()
    session.permanent = True
    session["user_id"] = principal.user_id
    session["gen"] = principal.generation
    return redirect(_safe_next(next_url))


def _limits() -> throttle.Limits:
    config, s = current_app.config, settings()
    return throttle.Limits(per_user=config.get("LOGIN_MAX_FAILURES", s.login_max_failures),
                           per_address=config.get("LOGIN_MAX_FAILURES_ADDRESS", s.login_max_failures_address),
                           lock_minutes=config.get("LOGIN_LOCK_MINUTES", s.login_lock_minutes))


def _audit_login(conn, username: str, action: str, extra: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    """One audit row per log-in, failed log-in, refused log-in and log-out, with the address."""
    audit.record(conn, actor=username[:100] or "-", action=action, entity="session",
                 entity_id=username[:100] or "-",
                 after={"address": request.remote_addr, "user_agent": request.user_agent.string[:200],
                        **extra})


def _throttled(texts: dict[str, str], username: str, next_url: str | None, wait: int):  # type: ignore[no-untyped-def]
    minutes = max(1, -(-wait // 60))
    response = render_page("login.html", 429, next_url=next_url or "", username=username,
                           errors={"form": texts["auth_login_throttled"].format(minutes=minutes)})
    response.headers["Retry-After"] = str(wait)
    return response


@bp.post("/logout")
def logout():  # type: ignore[no-untyped-def]
    """End this session and every other session of the same user (other browsers, devices)."""
    user = current_user()
    if user is not None and user.via == "session":
        with engine().begin() as conn:
            end_sessions(conn, user.user_id)
            _audit_login(conn, user.username, "logout", {})
    session.clear()
    return redirect(url_for("auth.login"))
