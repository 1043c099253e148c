"""Log-in throttling per user name and per client address, counted in PostgreSQL.

Each failed log-in adds one to two counters, ``user:<name, lower case>`` and
``addr:<client address>``, in a fixed window of ``lock_minutes``. A counter that reaches its
limit refuses every further log-in under that key, right password or not, until its window
ends. A successful log-in clears the user's counter (not the address's: a valid account must
not reset the count of guesses made at other accounts from the same address).

The counters live in the ``login_throttle`` table rather than in process memory (or
Flask-Limiter's default memory storage) so that the limits hold across every ``serve``
process sharing the database; no Redis or Memcached is part of the stack. One upsert per
failure keeps concurrent failures from being lost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import Connection, text

FAIL_SQL = text("""
INSERT INTO login_throttle AS t (key, failures, window_start) VALUES (:k, 1, now())
ON CONFLICT (key) DO UPDATE SET
  failures = CASE WHEN t.window_start <= now() - make_interval(mins => :m) THEN 1 ELSE t.failures + 1 END,
  window_start = CASE WHEN t.window_start <= now() - make_interval(mins => :m) THEN now()
                      ELSE t.window_start END
RETURNING failures
""")
STATE_SQL = text("""
SELECT key, failures,
       extract(epoch FROM window_start + make_interval(mins => :m) - now()) AS seconds_left
FROM login_throttle WHERE key = ANY(:keys) AND window_start > now() - make_interval(mins => :m)
""")
CLEAR_SQL = text("DELETE FROM login_throttle WHERE key = :k")


@dataclass(frozen=True)
class Limits:
    per_user: int = 5
    per_address: int = 30
    lock_minutes: int = 15


def keys(username: str, address: str | None) -> tuple[str, str]:
    return f"user:{username.strip().lower()[:150]}", f"addr:{address or '-'}"


def _limit(key: str, limits: Limits) -> int:
    return limits.per_user if key.startswith("user:") else limits.per_address


def wait_seconds(conn: Connection, username: str, address: str | None, limits: Limits) -> int:
    """Seconds until a log-in for this name from this address is allowed again (0: now)."""
    rows = conn.execute(STATE_SQL, {"keys": list(keys(username, address)), "m": limits.lock_minutes})
    waits = [row.seconds_left for row in rows if row.failures >= _limit(row.key, limits)]
    return max((math.ceil(w) for w in waits), default=0)


def record_failure(conn: Connection, username: str, address: str | None, limits: Limits) -> None:
    for key in keys(username, address):
        conn.execute(FAIL_SQL, {"k": key, "m": limits.lock_minutes})


def record_success(conn: Connection, username: str) -> None:
    conn.execute(CLEAR_SQL, {"k": keys(username, None)[0]})
