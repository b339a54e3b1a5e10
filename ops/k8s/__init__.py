"""`python -m ops.k8s`: status and rollout verification of a screening release on Kubernetes.

Built on the `kubernetes` client; every cluster read goes through `ops.k8s.cluster.Cluster`, which takes
an `ApiClient`, so the tests replay recorded API responses instead of talking to a cluster.
"""
