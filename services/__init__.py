"""The screening service: ingest, workers, decision, and the command line that runs them."""
