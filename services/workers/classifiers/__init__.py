"""The classifiers' pre- and post-processing: pure functions over numpy arrays, no servers.

Each module exposes the Triton model it calls and turns images (or text) into tensors and the
model's tensors into `ClassifierEvidence`.
"""
