"""Password recovery in three steps (P8, manual §1.5): prove who you are, get a code, set a new password."""
