"""The HTTP side of signed partner callbacks: read a callback route's body, verify it, answer a refusal.

A scan plugin's callback route calls :func:`signed_callback` (through ``uidp.plugin_api``) and answers a
DomainError with :func:`callback_refusal`. Every refusal is audited as ``scan.callback_refused`` with the
channel and the reason (no field values: they may hold a name or an ID number).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from starlette.requests import Request
from starlette.responses import JSONResponse

from uidp.domain.errors import DomainError, ErrorCode
from uidp.http.client import request_client
from uidp.runtime import Runtime
from uidp.security.partner_callbacks import CallbackVerifier, SignedCallback, refused
from uidp.security.partner_config import PartnerSettings
from uidp.services.shared.audit import Audit

MAX_BODY = 16 * 1024

_STATUS = {
    ErrorCode.INVALID_FORMAT: 400,
    ErrorCode.REQUIRED: 400,
    ErrorCode.INVALID_ID_NUMBER: 400,
    ErrorCode.INVALID_CREDIT_CODE: 400,
    ErrorCode.SIGNATURE_INVALID: 401,
    ErrorCode.UNKNOWN_PARTNER: 401,
    ErrorCode.CALLBACK_STALE: 401,
    ErrorCode.CALLBACK_REPLAYED: 409,
}


async def _body(request: Request) -> bytes:
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise refused(ErrorCode.INVALID_FORMAT, "回调报文过大", "too_large")
    return body


async def signed_callback(
    request: Request, partner: PartnerSettings, *, required: Sequence[str] = ()
) -> SignedCallback:
    """The verified JSON callback of ``partner``'s channel; a refusal is audited and raised as DomainError."""
    rt: Runtime = request.app.state.runtime
    try:
        body = await _body(request)
        try:
            message = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise refused(ErrorCode.INVALID_FORMAT, "回调报文格式不正确", "malformed:json") from None
        return await CallbackVerifier(rt.store, rt.clock).verify(
            partner.channel, partner.partners, message, required=required, window_seconds=partner.window_seconds
        )
    except DomainError as error:
        await audit_refusal(request, partner.channel, error)
        raise


async def audit_refusal(request: Request, channel: str, error: DomainError) -> None:
    """Write ``scan.callback_refused`` for a callback refused here or by the plugin after verification."""
    rt: Runtime = request.app.state.runtime
    await Audit(rt).record(
        "scan.callback_refused",
        outcome="failure",
        client=request_client(request),
        channel=channel,
        code=error.code.value,
        reason=str(error.details.get("reason", error.code.value.lower())),
    )


def callback_refusal(error: DomainError) -> JSONResponse:
    """The partner's answer to a refused callback: ``{"ok": false, "code", "message"}`` and a 4xx status."""
    status = _STATUS.get(error.code, 409)
    return JSONResponse({"ok": False, "code": error.code.value, "message": error.message}, status_code=status)


def callback_accepted(**extra: str) -> JSONResponse:
    """The partner's answer to an accepted callback."""
    return JSONResponse({"ok": True, **extra})
