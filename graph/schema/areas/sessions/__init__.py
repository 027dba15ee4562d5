"""Sessions: who is logged in (me), password login for persons (P3) and staff, logout (X5)."""
