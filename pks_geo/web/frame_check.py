"""Would a browser let this site frame our embeds? (the share dialog asks before giving code)

Browsers refuse an ``<iframe>`` of ``/embed/...`` on any page whose origin is not listed in
``PKS_GEO_FRAME_ANCESTORS`` (CSP ``frame-ancestors``), and they say so only in the developer
console. The share dialog therefore checks the site the planner will paste the code into
and says plainly when an administrator must add it. The matching follows CSP Level 3 source
expressions for the forms :func:`pks_geo.config.validate_frame_ancestors` accepts.
"""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class SiteError(ValueError):
    """The typed site is not a web address."""


def site_origin(value: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a typed site; ``intranet.go.id`` means https://intranet.go.id."""
    text = value.strip()
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)  # "[" alone is an unfinished IPv6 literal: ValueError
        port = parts.port
    except ValueError:
        raise SiteError("not a web address") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise SiteError("not a web address")
    return parts.scheme, parts.hostname.lower(), port or DEFAULT_PORTS[parts.scheme]


def _source_allows(source: str, origin: tuple[str, str, int], own: tuple[str, str, int]) -> bool:
    scheme, host, port = origin
    if source == "'self'":
        return origin == own
    if source == "'none'":
        return False
    if source in ("http:", "https:"):
        # https: also allows http's secure upgrade only the other way round
        return scheme == source[:-1] or (source == "http:" and scheme == "https")
    parts = urlsplit(source)
    s_host = (parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc).lower()
    s_port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    if parts.scheme != scheme and not (parts.scheme == "http" and scheme == "https"):
        return False
    if s_host.startswith("*."):
        host_ok = host.endswith(s_host[1:])
    else:
        host_ok = host == s_host
    return host_ok and (s_port == port or (parts.scheme == "http" and scheme == "https"
                                           and port == 443 and not parts.port))


def frame_allowed(site: str, ancestors: tuple[str, ...], own_origin: str) -> bool:
    """True when a page of ``site`` may frame the embeds under ``ancestors``."""
    origin = site_origin(site)
    own = site_origin(own_origin)
    return any(_source_allows(source, origin, own) for source in ancestors)
