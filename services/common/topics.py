"""Kafka topic and consumer-group names, one place."""

REQUESTS = "screening.requests.v1"
VERDICTS = "screening.verdicts.v1"
DECISIONS = "screening.decisions.v1"
DEADLETTER = "screening.deadletter.v1"
ALL = (REQUESTS, VERDICTS, DECISIONS, DEADLETTER)

WORKERS_GROUP = "screening-workers"
DECISION_GROUP = "screening-decision"
