"""The in-memory data versions (LISTEN/NOTIFY, migration 0011): they follow commits from other
processes, never show a version older than the process's own last commit, ignore rollbacks,
and fall back to database reads when the listener is gone; the tile endpoint serves new data
after a change made by another process."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import Engine, text

from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.synthetic import synthesize
from pks_geo.queries.version_watch import VersionWatcher, watcher_for
from pks_geo.queries.versions import data_versions
from pks_geo.web import create_app
from tests.test_tiles import KS_TILE, decode, tile_path

TOUCH_INCIDENTS = "DELETE FROM incident WHERE false"
"""Fires the statement-level version trigger without changing a row."""


def wait_for(condition: Callable[[], Any], seconds: float = 5.0) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"condition not met within {seconds} s")


def other_process(engine: Engine) -> psycopg.Connection:
    """A plain connection outside the engine: its commits reach us only as notifications."""
    return psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False))


def incident_version(engine: Engine) -> int:
    return data_versions(engine, ("incident",)).versions["incident"]


def test_watcher_follows_commits_made_elsewhere(empty_engine: Engine) -> None:
    watcher = VersionWatcher(empty_engine)
    try:
        first = wait_for(lambda: watcher.current(("incident", "admin_area")))
        assert first.versions == data_versions(empty_engine, ("incident", "admin_area")).versions
        with other_process(empty_engine) as conn:
            conn.execute(TOUCH_INCIDENTS)
            conn.commit()
        wanted = first.versions["incident"] + 1
        assert incident_version(empty_engine) == wanted
        seen = wait_for(lambda: (v := watcher.current(("incident",))) and v.versions["incident"] == wanted)
        assert seen
        assert watcher.current(("admin_area",)).versions == {"admin_area": first.versions["admin_area"]}
    finally:
        watcher.close()


def test_own_commit_is_never_hidden_behind_an_older_snapshot(empty_engine: Engine) -> None:
    watcher = VersionWatcher(empty_engine)
    try:
        before = wait_for(lambda: watcher.current(("incident",))).versions["incident"]
        with empty_engine.begin() as conn:
            conn.execute(text(TOUCH_INCIDENTS))
        right_after = watcher.current(("incident",))
        assert right_after is None or right_after.versions["incident"] == before + 1
        wait_for(lambda: (v := watcher.current(("incident",))) and v.versions["incident"] == before + 1)
    finally:
        watcher.close()


def test_rollback_sends_nothing_and_the_snapshot_stays(empty_engine: Engine) -> None:
    watcher = VersionWatcher(empty_engine)
    try:
        before = wait_for(lambda: watcher.current(("incident",))).versions
        with other_process(empty_engine) as conn:
            conn.execute(TOUCH_INCIDENTS)
            conn.rollback()
        time.sleep(0.3)
        assert watcher.current(("incident",)).versions == before
        assert incident_version(empty_engine) == before["incident"]
    finally:
        watcher.close()


def test_without_a_listener_callers_read_the_database(empty_engine: Engine) -> None:
    watcher = VersionWatcher(empty_engine)
    wait_for(lambda: watcher.current(("incident",)))
    watcher.close()
    wait_for(lambda: not watcher.listening)
    assert watcher.current(("incident",)) is None
    assert watcher.current(("no_such_table",)) is None


def test_tiles_follow_a_change_made_by_another_process(database_factory, ks_boundary_paths) -> None:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine = get_engine(url)
    from pks_geo import schema

    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    synthesize(engine, incidents=300, within="74.05", seed=3)
    client = create_app({"DATABASE_URL": url, "TESTING": True}).test_client()
    path = tile_path("areas-kecamatan", KS_TILE, "metric=count")

    first = client.get(path)
    counts = [f["properties"]["n_incidents"] for f in decode(first)["areas-kecamatan"]["features"]]
    assert sum(counts) > 0
    watcher = watcher_for(engine)
    wait_for(lambda: watcher.listening)
    assert client.get(path).headers["ETag"] == first.headers["ETag"]  # served from memory

    with other_process(engine) as conn:
        conn.execute("DELETE FROM incident")
        conn.commit()

    changed = wait_for(lambda: (r := client.get(path)).headers["ETag"] != first.headers["ETag"] and r)
    counts = [f["properties"]["n_incidents"] for f in decode(changed)["areas-kecamatan"]["features"]]
    assert counts and set(counts) == {0}
