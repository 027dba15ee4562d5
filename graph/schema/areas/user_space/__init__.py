"""The logged-in person's own space (P11): password, phone, sessions, bindings, notices."""
