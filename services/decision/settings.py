"""Decision settings (environment prefix SCREENING_DECISION_)."""

from __future__ import annotations

import dataclasses

from services.common.settings import load, require
from services.decision import policy

PREFIX = "SCREENING_DECISION_"


@dataclasses.dataclass(frozen=True)
class DecisionSettings:
    policy_path: str = policy.DEFAULT_PATH
    # How often the policy file is checked for changes (reloaded without restart).
    policy_reload_s: float = 2.0
    # A replayed request whose deadline already passed still waits this long for its replayed verdicts.
    replay_grace_ms: int = 300
    # Verdicts whose request never arrives are dropped after this long.
    orphan_ttl_ms: int = 60_000
    # Decisions read back from the topic at start (per partition), so a replay never decides twice.
    restore_window: int = 50_000
    # Seconds without a record after which the consumer checks for lag it cannot fetch, and reconnects.
    stall_check_s: float = 1.0
    # Kafka static group membership (KIP-345): a decision service restarted under the same id (a crashed
    # container in the same pod, or the local stack's supervisor) takes its partitions back at once,
    # instead of after the dead member's 10 s session time-out. Unique per running instance; empty: off.
    group_instance_id: str = ""
    health_port: int = 8081
    health_host: str = "127.0.0.1"

    def validate(self) -> None:
        require(self.policy_reload_s > 0, "SCREENING_DECISION_POLICY_RELOAD_S must be positive")
        require(self.replay_grace_ms >= 0, "SCREENING_DECISION_REPLAY_GRACE_MS must be >= 0")


def load_decision(environ=None, **overrides) -> DecisionSettings:
    return load(DecisionSettings, PREFIX, environ, **overrides)
