"""Alembic environment: run with the connection handed over by :mod:`pks_geo.schema`."""

from alembic import context

connection = context.config.attributes["connection"]
# no target metadata: revisions are written by hand (there are no ORM classes to compare with)
context.configure(connection=connection, target_metadata=None,
                  include_object=lambda obj, name, type_, reflected, compare_to:
                  not (type_ == "table" and name == "spatial_ref_sys"))
with context.begin_transaction():
    context.run_migrations()
