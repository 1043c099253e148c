"""pks-geo: geospatial conflict mapping for election-security planning.

The app factory is re-exported here so that deployments can say
``from pks_geo import create_app`` without knowing the package layout.
"""

from pks_geo.web import create_app

__all__ = ["create_app"]
__version__ = "0.1.0"
