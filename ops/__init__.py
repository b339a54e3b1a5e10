"""The operator's tools of the screening service (ops.k8s: the Kubernetes CLI, dashboards, alerts)."""
