"""Proving who a caller is: the login pipeline and the bindings service every channel goes through, password
and certificate login, login throttles and identifiers, sessions and their watchers, staff API tokens, and
certificate bindings with their challenges."""
