"""uidp.testing: the conformance suites a login-method or verifier plugin runs against itself with pytest.

Subclass a suite in your test module and tell it about your plugin; pytest runs every check through the real
core (plugin host, app, GraphQL over HTTP, audit log). docs/plugins.md, "Testing with uidp.testing", walks
through it.

- :class:`LoginMethodConformance` (with :class:`GoodLogin`): a login method.
- :class:`VerifierConformance`: an SMS gateway, bank-card verifier or business registry.
- :class:`CallbackCase`, :class:`CallbackCall`: a plugin's partner callbacks, genuine and forged.
- :class:`Kit`: the running app your hooks receive; :data:`INSTALLED`: the plugin comes from its entry point.
- :class:`StrictPorts`: the ports of a request that names no account.

The fixture ``uidp_settings`` (``uidp.testing.fixtures``, loaded by pytest through uidp's ``pytest11`` entry
point) makes settings on a fresh SQLite database; override it to run on PostgreSQL and Redis.
"""

from __future__ import annotations

from uidp.testing.callbacks import CallbackCall, CallbackCase
from uidp.testing.harness import INSTALLED, Kit, StrictPorts, running
from uidp.testing.login import GoodLogin, LoginMethodConformance
from uidp.testing.verifiers import VerifierConformance

__all__ = [
    "INSTALLED",
    "CallbackCall",
    "CallbackCase",
    "GoodLogin",
    "Kit",
    "LoginMethodConformance",
    "StrictPorts",
    "VerifierConformance",
    "running",
]
