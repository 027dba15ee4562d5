"""Delegation (E9, manual §2.6): candidates, grants and their chains, applications, the cascade and the sweeper."""
