"""The join: late, duplicate, missing and out-of-order verdicts."""

from screening.v1 import events_pb2, types_pb2
from services.decision.join import Join


def req(rid="r1", expected=("face", "refusal"), deadline=1000):
    return events_pb2.ScreeningRequested(request_id=rid, expected_classifiers=list(expected),
                                         accepted_unix_ms=0, deadline_unix_ms=deadline)


def verdict(rid="r1", name="face", score=0.9):
    return events_pb2.Verdict(request_id=rid, classifier=name,
                              evidence=types_pb2.ClassifierEvidence(classifier=name, scores={name: score}))


def test_complete_when_all_expected_verdicts_are_in():
    join = Join(replay_grace_ms=0)
    assert join.on_request(req(), 0, "t0") == ([], [])
    assert join.on_verdict(verdict(name="face"), 10, "t1") == ([], [])
    ready, finished = join.on_verdict(verdict(name="refusal"), 20, "t2")
    assert len(ready) == 1 and ready[0].timed_out == [] and finished == []
    assert set(ready[0].verdicts) == {"face", "refusal"}
    assert ready[0].tokens == ["t0", "t1", "t2"]
    assert len(join) == 0


def test_no_expected_classifiers_decides_at_once():
    ready, _ = Join().on_request(req(expected=()), 0)
    assert len(ready) == 1


def test_verdict_before_request_is_kept_until_the_request_arrives():
    join = Join(replay_grace_ms=0)
    assert join.on_verdict(verdict(name="refusal"), 0, "v") == ([], [])
    assert join.stats.orphans == 1
    join.on_request(req(), 5, "r")
    ready, _ = join.on_verdict(verdict(name="face"), 6, "f")
    assert len(ready) == 1 and set(ready[0].tokens) == {"r", "v", "f"}


def test_duplicate_and_late_verdicts_are_ignored_and_counted():
    join = Join(replay_grace_ms=0)
    join.on_request(req(), 0)
    join.on_verdict(verdict(name="face", score=0.9), 1)
    ready, finished = join.on_verdict(verdict(name="face", score=0.1), 2, "dup")
    assert ready == [] and finished == ["dup"] and join.stats.duplicates == 1
    ready, _ = join.on_verdict(verdict(name="refusal"), 3)
    assert abs(ready[0].verdicts["face"].scores["face"] - 0.9) < 1e-6  # the first one counts
    ready, finished = join.on_verdict(verdict(name="refusal"), 4, "late")
    assert ready == [] and finished == ["late"] and join.stats.late == 1


def test_missing_verdict_times_out_at_the_deadline():
    join = Join(replay_grace_ms=0)
    join.on_request(req(deadline=300), 0)
    join.on_verdict(verdict(name="face"), 10)
    assert join.due(299) == ([], [])
    assert join.next_due_ms() == 300
    ready, _ = join.due(300)
    assert len(ready) == 1 and ready[0].timed_out == ["refusal"]
    assert join.is_decided("r1")


def test_replayed_request_past_its_deadline_waits_for_replayed_verdicts():
    join = Join(replay_grace_ms=300)
    join.on_request(req(deadline=1000), now_ms=50_000)
    assert join.due(50_100) == ([], [])
    ready, _ = join.on_verdict(verdict(name="face"), 50_150)
    ready, _ = join.on_verdict(verdict(name="refusal"), 50_160)
    assert len(ready) == 1 and ready[0].timed_out == []


def test_repeated_request_is_not_joined_twice():
    join = Join(replay_grace_ms=0)
    join.on_request(req(expected=()), 0)
    assert join.on_request(req(expected=()), 1, "again") == ([], ["again"])
    assert join.stats.repeated_requests == 1


def test_unexpected_classifier_is_ignored():
    join = Join(replay_grace_ms=0)
    join.on_request(req(expected=("refusal",)), 0)
    assert join.on_verdict(verdict(name="face"), 1, "x") == ([], ["x"])
    assert join.stats.unexpected == 1


def test_orphans_expire():
    join = Join(orphan_ttl_ms=100)
    join.on_verdict(verdict(rid="never"), 0, "o")
    assert join.due(99) == ([], [])
    assert join.due(100) == ([], ["o"])
