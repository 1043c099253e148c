"""Statistics over incidents per area: aggregates, classes and palettes, choropleths, spatial
weights, hot spots (Gi*, LISA), significance, clusters, heat, emerging hot spots.
"""
