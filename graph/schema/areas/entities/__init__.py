"""Legal persons: registration by the legal representative (E1) and login with the credit code (E2)."""
