"""Logging in with any method: start a partner's login, complete it, and bind an unbound partner subject to an
existing account (P3-P6, E2-E6, X6)."""
