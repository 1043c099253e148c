"""Alembic environment: run with the connection handed over by :mod:`pks_geo.schema`."""

from alembic import context

from pks_geo.models import Base

target_metadata = Base.metadata
connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=target_metadata,
                  include_object=lambda obj, name, type_, reflected, compare_to:
                  not (type_ == "table" and name == "spatial_ref_sys"))
with context.begin_transaction():
    context.run_migrations()
