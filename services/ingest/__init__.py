"""Ingest: the gRPC front door. Validates, publishes ScreeningRequested, answers with the Decision."""
