"""The decision service reloads its policy file without a restart, and keeps the old one when the
new file is invalid."""

import os
import time

from services.decision.service import PolicyHolder


class Log:
    def __init__(self):
        self.events = []

    def info(self, event, **kw):
        self.events.append((event, kw))

    error = info


def write(path, text):
    path.write_text(text)
    later = time.time() + 5
    os.utime(path, (later, later))  # a changed mtime even within the file system's time resolution


def test_reload_takes_a_valid_file_and_refuses_an_invalid_one(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('version: "one"\n')
    log = Log()
    holder = PolicyHolder(str(path), log)
    assert holder.policy.version == "one"
    write(path, 'version: "two"\nthresholds:\n  refusal: {hate: 0.3}\n')
    holder.maybe_reload()
    assert holder.policy.version == "two" and holder.policy.thresholds["refusal"]["hate"] == 0.3
    path.write_text('version: "three"\nthresholds:\n  refusal: {hate: 7}\n')
    os.utime(path, (time.time() + 10, time.time() + 10))
    holder.maybe_reload()
    assert holder.policy.version == "two"
    event, details = log.events[-1]
    assert event == "policy_reload_rejected" and "line 3" in details["error"]
