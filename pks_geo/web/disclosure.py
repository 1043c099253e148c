"""The disclosure policy of this request (:mod:`pks_geo.queries.disclosure`).

Analysts and above get exact answers; everyone else (viewers, anonymous visitors, embed
links) gets aggregates with the minimum cell ``PKS_GEO_MIN_CELL`` (``MIN_CELL`` in the app
config overrides it, for tests)."""

from __future__ import annotations

from flask import current_app

from pks_geo.queries.disclosure import Disclosure
from pks_geo.web.auth import has_role
from pks_geo.web.context import settings


def min_cell() -> int:
    return int(current_app.config.get("MIN_CELL", settings().min_cell))


def request_disclosure(*, aggregate: bool = False) -> Disclosure:
    """The policy for this requester; ``aggregate=True`` for products made for viewers (embeds)."""
    return Disclosure.for_role(exact=has_role("analyst") and not aggregate, min_cell=min_cell())
