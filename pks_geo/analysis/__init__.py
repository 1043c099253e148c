"""Queries and statistics over the stored data; the web layer calls only into here."""
