"""The statistics warm-up that ``pks-geo serve`` runs in the background."""

from pks_geo.stats.warmup import warm_up_in_background


def test_warm_up_finishes_without_error(caplog) -> None:  # type: ignore[no-untyped-def]
    thread = warm_up_in_background()
    thread.join(timeout=300)
    assert not thread.is_alive()
    assert "warm-up failed" not in caplog.text
