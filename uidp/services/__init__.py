"""Service areas; each package's docstring says what it owns."""
