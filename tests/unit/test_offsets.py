from services.common import bus
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


def test_stall_watch_needs_the_same_position_twice():
    watch = bus.StallWatch(interval_s=3.0)
    assert not watch.observe({})                    # nothing waiting
    assert not watch.observe({"p0": 5})             # records arrived since the last poll: not yet a stall
    assert not watch.observe({"p0": 7})             # the consumer moved on, more arrived
    assert watch.observe({"p0": 7})                 # records waiting past the same position twice: stalled
    assert not watch.observe({"p1": 7})             # another partition, seen once
    assert not watch.observe({})


def test_stall_watch_reconnects_a_consumer_that_cannot_say_where_it_is():
    watch = bus.StallWatch(interval_s=3.0)
    assert not watch.observe({"p0": 3})
    assert watch.observe(None)
    assert not watch.observe({"p0": 3})  # the failed check cleared the history


def test_stall_check_is_due_only_after_a_quiet_interval():
    now = [100.0]
    watch = bus.StallWatch(interval_s=3.0, clock=lambda: now[0])
    now[0] = 102.0
    assert not watch.due(got_records=False)
    now[0] = 104.0
    assert not watch.due(got_records=True)  # a record restarts the timer
    now[0] = 106.5
    assert not watch.due(got_records=False)
    now[0] = 107.5
    assert watch.due(got_records=False)
    assert not watch.due(got_records=False)  # and so does a check
    now[0] = 110.6
    assert watch.due(got_records=False)
