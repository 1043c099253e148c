"""pks-geo: geospatial conflict mapping for election-security planning.

The app factory is re-exported here so that deployments can say
``from pks_geo import create_app`` without knowing the package layout.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``create_app`` on first use: importing any ``pks_geo`` module (the CLI above all) must not
    load Flask and everything the web app needs."""
    if name == "create_app":
        from pks_geo.web import create_app

        return create_app
    raise AttributeError(f"module 'pks_geo' has no attribute {name!r}")
