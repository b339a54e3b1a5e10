"""The `screening` command line."""
