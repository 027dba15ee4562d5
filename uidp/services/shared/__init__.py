"""Mechanisms every area uses: the caller (principal, client info), audit, PII sealing and masking, captchas,
SMS codes and their requests, uploads and case documents, request limits, pagination, notices and erasure."""
