"""Map builders: interactive (folium/Leaflet) and, later, static print maps."""
