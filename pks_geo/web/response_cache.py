"""A thread-safe in-process LRU of rendered response bodies, bounded by total size.

Used for vector tiles and choropleth documents: both are pure functions of the request's
parameters and the data versions (:mod:`pks_geo.queries.versions`), so a cached body is
never stale as long as its key includes those versions.
"""

from __future__ import annotations

import threading
from collections import OrderedDict


class ResponseCache:
    """Thread-safe LRU of response bytes bounded by total size.

    Entries belong to a group (database + the tables a layer depends on); when the data
    versions of a group move on, that group's entries are dropped at once instead of
    waiting to age out."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, tuple[tuple[str, ...], bytes]] = OrderedDict()
        self._size = 0
        self._generation: dict[tuple[str, ...], str] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: str) -> bytes | None:
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return entry[1]

    def put(self, key: str, body: bytes, group: tuple[str, ...], generation: str) -> None:
        """Store ``body`` under ``key``; a new ``generation`` of ``group`` drops the group's old entries."""
        if not self.enabled or len(body) > self.max_bytes // 4:
            return
        with self._lock:
            if self._generation.get(group) not in (None, generation):
                for old_key in [k for k, (g, _) in self._items.items() if g == group]:
                    self._size -= len(self._items.pop(old_key)[1])
            self._generation[group] = generation
            if key in self._items:
                return
            self._items[key] = (group, body)
            self._size += len(body)
            while self._size > self.max_bytes:
                _, (_, old) = self._items.popitem(last=False)
                self._size -= len(old)

    def __len__(self) -> int:
        return len(self._items)
