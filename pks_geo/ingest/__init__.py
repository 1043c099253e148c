"""Readers and loaders, one module per kind of input, sharing :class:`ImportReport`."""
