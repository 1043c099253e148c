"""Who asks for an export, with which parameters: shared by the API and the CLI."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine

from pks_geo.auth import role_at_least
from pks_geo.planning.security_data import SecurityData, load_security_data
from pks_geo.queries.disclosure import DEFAULT_MIN_CELL, Disclosure
from pks_geo.queries.filters import FilterSet, parse_filters
from pks_geo.queries.params import check_names, single_value

LANGUAGES = ("id", "en")


@dataclass
class ExportContext:
    engine: Engine
    args: Mapping[str, Any]
    """Request parameters: a werkzeug MultiDict (API) or a plain dict (CLI)."""
    role: str | None
    actor: str
    lang: str = "id"
    security_dir: str | None = None
    min_cell: int = DEFAULT_MIN_CELL
    """``PKS_GEO_MIN_CELL``: the disclosure rule for requesters below analyst."""
    signed_in: bool = True
    """False for an anonymous web visitor: operational datasets then refuse (the CLI is an operator)."""
    _security: SecurityData | None = field(default=None, repr=False)

    def allowed(self, minimum: str) -> bool:
        return role_at_least(self.role, minimum)

    @property
    def disclosure(self) -> Disclosure:
        """Exact for analysts and above; small cells suppressed for everyone else."""
        return Disclosure.for_role(exact=self.allowed("analyst"), min_cell=self.min_cell)

    @property
    def security(self) -> SecurityData:
        if self._security is None:
            self._security = load_security_data(self.security_dir)
        return self._security

    def value(self, name: str) -> str | None:
        return single_value(self.args, name)

    def filters(self, default_level: str = "kecamatan") -> FilterSet:
        return parse_filters(self.args, self.engine, default_level=default_level)

    def check_names(self, allowed: tuple[str, ...]) -> None:
        """Refuse unknown parameter names: a typo must not silently export everything."""
        check_names(self.args, sorted(allowed), where=" for this dataset")
