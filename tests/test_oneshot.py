from __future__ import annotations

import gc

from ledgercheck import oneshot


def test_a_pools_workers_collect_like_the_command() -> None:
    with oneshot.pool(1) as pool:
        assert pool.submit(gc.get_threshold).result() == (
            oneshot.YOUNG,
            oneshot.OLDER,
            oneshot.OLDER,
        )
        assert pool.submit(gc.get_freeze_count).result() > 0
    assert gc.get_threshold() != (oneshot.YOUNG, oneshot.OLDER, oneshot.OLDER)  # not here
