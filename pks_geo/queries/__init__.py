"""Read queries every other layer builds on: areas, shared filters and parameters, incident
listings and summaries, places and regions, display geometry, who sees what (disclosure), and
the data versions that key every cache.
"""
