"""Staff (A1-A3 outside the review queue): catalogue, person operations, staff accounts and enrolment, API
tokens, the audit query. Access rules: graph.permissions."""
