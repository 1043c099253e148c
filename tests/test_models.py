"""The vocabularies in :mod:`pks_geo.models` are the ones the migrated database accepts (issue 18).

The schema is owned by the migrations alone (there are no ORM classes); what the code shares with it
are these value lists, so each is compared with the CHECK constraint of a database at head."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text

from pks_geo import models

CHECKS = [("incident", "incident_kategori_check", models.KATEGORI),
          ("incident", "incident_location_precision_check", models.LOCATION_PRECISION),
          ("incident", "incident_status_check", models.INCIDENT_STATUS),
          ("incident", "incident_stage_check", models.STAGES),
          ("election_stage", "election_stage_stage_check", models.STAGES),
          ("polling_site", "polling_site_kerawanan_check", models.KERAWANAN),
          ("tps_risk_override", "tps_risk_override_kategori_check", models.KERAWANAN),
          ("app_user", "app_user_role_check", models.ROLES)]


@pytest.mark.parametrize(("table", "name", "values"), CHECKS, ids=[c[1] for c in CHECKS])
def test_vocabulary_is_the_databases(engine: Engine, table: str, name: str, values: tuple[str, ...]) -> None:
    with engine.connect() as conn:
        definition = conn.execute(text(
            "SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c "
            "WHERE c.conrelid = CAST(:t AS regclass) AND c.conname = :n"), {"t": table, "n": name}).scalar()
    assert definition, f"{table} has no constraint {name}"
    assert set(re.findall(r"'([^']*)'", definition)) == set(values), definition


def test_models_holds_no_orm_classes() -> None:
    """The migrations are the one description of the tables (a second one had drifted)."""
    assert not any(isinstance(value, type) for value in vars(models).values())
