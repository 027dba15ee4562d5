"""What an operator watches: Prometheus metrics, the JSON request log, readiness (issue 14)."""
