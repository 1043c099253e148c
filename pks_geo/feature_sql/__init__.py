"""SQL that serves features to map clients: vector tiles (MVT), OGC API feature collections and
their CQL2 filters.
"""
