"""Click sub-command groups, one module per area, registered in :mod:`pks_geo.cli`."""
