"""Pieces every service shares: settings, the Kafka bus, telemetry, logs, image decoding."""
