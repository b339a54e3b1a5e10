from services.common.offsets import OffsetTracker


def test_commits_only_below_the_oldest_unfinished_record():
    tracker = OffsetTracker()
    for offset in (10, 11, 12):
        tracker.started("p", offset)
    tracker.finished("p", 12)
    assert tracker.committable() in ({}, {"p": 10})
    tracker.finished("p", 10)
    assert tracker.committable() == {"p": 11}
    tracker.mark_committed({"p": 11})
    assert tracker.committable() == {}
    tracker.finished("p", 11)
    assert tracker.committable() == {"p": 13}
    assert tracker.in_flight() == 0


def test_revoked_partition_forgets_its_records():
    tracker = OffsetTracker()
    tracker.started("p", 1)
    tracker.forget(["p"])
    tracker.finished("p", 1)
    assert tracker.committable() == {}
