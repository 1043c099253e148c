"""Colours of the patrol plan, shared by the Rencana Pengamanan map
(:mod:`pks_geo.web.security_map`, ``web/static/css/security.css``) and the printed sector sheets
(:mod:`pks_geo.maps.patrol_sheet`), so a TPS has the same colour on screen and on paper."""

from __future__ import annotations

CATEGORY_COLORS = {"kurang rawan": "#fed976", "rawan": "#fd8d3c", "sangat rawan": "#bd0026"}
"""ColorBrewer YlOrRd (3 of 9): light to dark as the risk rises; text on the darkest is white."""
ROUTE_COLORS = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
"""ColorBrewer Dark2: neighbouring sectors' routes told apart (cycled by the sector's place)."""
