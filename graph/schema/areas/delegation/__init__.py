"""Delegation (E9, manual §2.6): candidates, grants up to three levels, applications."""
