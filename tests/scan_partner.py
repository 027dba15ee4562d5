"""A test-only scan channel: two scan login methods and a callback route that moves their tickets through
``uidp.plugin_api.scan_tickets`` exactly as a real partner's verified callback would.

Loadable by name (``UIDP_PLUGINS=tests.scan_partner``) for a real ``uidp serve``, and by instance
(``extra_plugins``) in the ASGI tests. The route trusts its caller: a real channel verifies the partner's
signature first (scan-channels' plugins); this one stands for "the signature was right".
"""

from __future__ import annotations

import os
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from uidp.plugin_api import (
    Assertion,
    DomainError,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    LoginStart,
    ScanStart,
    StartRequest,
    Trust,
    hookimpl,
    scan_tickets,
)

CALLBACK = "/plugins/scantest/callback"


class ScanAppMethod:
    """A scan login: the QR code carries the ticket; completion comes through the callback, never here."""

    sandbox = True

    def __init__(self, method_id: str, label: str, trust: frozenset[Trust] = frozenset()) -> None:
        self.id = method_id
        self.label = label
        self.trust = trust

    async def start(self, request: StartRequest) -> LoginStart:
        lifetime = int(request.params.get("lifetime", "120"))
        refresh = int(request.params["refresh"]) if "refresh" in request.params else None
        return ScanStart(f"scanapp://login?t={request.ticket}", lifetime_seconds=lifetime, refresh_seconds=refresh,
                         keep={"nonce": "n-" + request.ticket[:8]})  # fmt: skip

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        raise LoginFailure("a scan login completes through its callback")


async def callback(request: Request) -> JSONResponse:
    """``{"method", "ticket", "action": scan|confirm|reject, "subject", "claims"}`` -> the new status."""
    body: dict[str, Any] = await request.json()
    engine = scan_tickets(request)
    method, ticket, action = body["method"], body["ticket"], body["action"]
    try:
        if action == "scan":
            progress = await engine.scanned(ticket, method)
        elif action == "confirm":
            assertion = Assertion(provider=method, subject=body["subject"], claims=body.get("claims", {}))
            progress = await engine.confirmed(ticket, method, assertion)
        else:
            progress = await engine.rejected(ticket, method)
    except DomainError as error:
        return JSONResponse({"code": error.code.value}, status_code=409, headers=_WORKER)
    return JSONResponse({"status": progress.status.value, "kept": dict(progress.kept)}, headers=_WORKER)


_WORKER = {"x-worker-pid": str(os.getpid())}  # which worker answered (the two-worker test reads it)


class ScanPartnerPlugin:
    """``scanapp`` (trusted for ID numbers, like 鄂汇办) and ``otherscan`` (no trust: bindings only)."""

    @hookimpl
    def register_login_methods(self, register: Any) -> None:
        register(ScanAppMethod("scanapp", "测试扫码登录", frozenset({Trust.ID_NUMBER})))
        register(ScanAppMethod("otherscan", "另一扫码渠道"))

    @hookimpl
    def register_routes(self, register: Any) -> None:
        register(CALLBACK, callback, methods=["POST"])


plugin = ScanPartnerPlugin()
register_login_methods = plugin.register_login_methods
register_routes = plugin.register_routes
