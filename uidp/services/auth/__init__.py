"""Proving who a caller is: password and certificate login, login throttles and identifiers, sessions and their
watchers, staff API tokens, and certificate bindings with their challenges."""
