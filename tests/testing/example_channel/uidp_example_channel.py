"""uidp-example-channel: a login channel packaged on its own (docs/plugins.md, "Writing a channel from nothing").

The partner signs a short token for the core's state (HMAC-SHA256 with a key shared with us): the login page
sends the browser to the partner's authorize page with the state, the partner sends it back with ``token``, and
the page hands the token to ``completeLogin``. The partner also posts signed notices to
``/plugins/example/notify``. ``uidp example-token`` plays the partner on the dev profile.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from uidp.plugin_api import (
    Assertion,
    CommandLine,
    ConfigError,
    LoginFailure,
    LoginPorts,
    LoginRequest,
    RedirectStart,
    RegisterLoginMethod,
    RegisterRoute,
    Settings,
    StartRequest,
    hookimpl,
)

KEY_VARIABLE = "UIDP_EXAMPLE_KEY"  # base64 of the key shared with the partner, at least 32 bytes
AUTHORIZE_URL = "https://partner.example/authorize"
MAX_AGE = 300  # seconds a token or a notice stays acceptable
MAX_TOKEN = 1024
SUBJECT = re.compile(r"[A-Za-z0-9_-]{1,64}")

log = logging.getLogger("uidp_example_channel")


def load_key(settings: Settings) -> bytes:
    """The shared key from UIDP_EXAMPLE_KEY; one line and no start when it is missing or weak."""
    try:
        key = base64.b64decode(os.environ.get(KEY_VARIABLE, ""), validate=True)
    except (ValueError, binascii.Error):
        raise ConfigError(f"{KEY_VARIABLE} must be base64") from None
    if len(key) < 32:
        raise ConfigError(f"{KEY_VARIABLE} must hold at least 32 bytes (base64)")
    return key


def sign(key: bytes, data: bytes) -> str:
    return hmac.new(key, data, hashlib.sha256).hexdigest()


def make_token(key: bytes, subject: str, state: str, issued_at: float) -> str:
    """What the partner hands back: base64url(JSON claims) "." hex HMAC over that text."""
    claims = json.dumps({"sub": subject, "state": state, "iat": int(issued_at)}, separators=(",", ":"))
    body = base64.urlsafe_b64encode(claims.encode()).decode().rstrip("=")
    return body + "." + sign(key, body.encode())


class ExampleLogin:
    """The ``example`` login method: a redirect to the partner, then its signed token."""

    id = "example"
    label = "示例渠道登录"
    sandbox = False

    def __init__(self, key: bytes, clock: Callable[[], float] = time.time) -> None:
        self.key = key
        self.clock = clock
        self.seen: OrderedDict[str, None] = OrderedDict()  # notice ids (per worker; a store would share them)
        self.notices: list[dict[str, object]] = []

    async def start(self, request: StartRequest) -> RedirectStart:
        return RedirectStart(f"{AUTHORIZE_URL}?client=uidp&state={request.state}")

    async def complete(self, request: LoginRequest, ports: LoginPorts) -> Assertion:
        claims = self._verified(request.params.get("token", ""))
        if claims.get("state") != request.state:
            raise LoginFailure("the token was issued for another login")
        issued = claims.get("iat")
        if not isinstance(issued, int) or abs(self.clock() - issued) > MAX_AGE:
            raise LoginFailure("stale token")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
            raise LoginFailure("malformed subject")
        return Assertion(provider=self.id, subject=subject)

    def _verified(self, token: str) -> dict[str, object]:
        """The token's claims once its signature checks out; LoginFailure for anything else."""
        body, _, signature = token.partition(".")
        try:
            if len(token) > MAX_TOKEN or not hmac.compare_digest(sign(self.key, body.encode("ascii")), signature):
                raise LoginFailure("bad signature")
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (UnicodeError, ValueError, TypeError, binascii.Error):
            raise LoginFailure("malformed token") from None
        if not isinstance(claims, dict):
            raise LoginFailure("malformed token")
        return claims

    async def notify(self, request: Request) -> Response:
        """The partner's signed notice: signature first, then freshness, then single use."""
        body = await request.body()
        signature = request.headers.get("x-example-signature", "")
        if len(body) > 4096 or not hmac.compare_digest(sign(self.key, body), signature):
            return JSONResponse({"error": "bad signature"}, status_code=401)
        try:
            notice = json.loads(body)
            notice_id, at = str(notice["id"]), float(notice["at"])
        except (ValueError, KeyError, TypeError):
            return JSONResponse({"error": "malformed notice"}, status_code=400)
        if abs(self.clock() - at) > MAX_AGE:
            return JSONResponse({"error": "stale notice"}, status_code=401)
        if notice_id in self.seen:
            return JSONResponse({"error": "replayed notice"}, status_code=409)
        self.seen[notice_id] = None
        while len(self.seen) > 10_000:
            self.seen.popitem(last=False)
        self.notices.append(notice)
        log.info("partner notice %s accepted", notice_id[:64])
        return JSONResponse({"ok": True})


_methods: dict[int, tuple[Settings, ExampleLogin]] = {}


def _method(settings: Settings) -> ExampleLogin:
    """One method object per app (per settings object), shared by the login-method and the route hooks."""
    known = _methods.get(id(settings))
    if known is None or known[0] is not settings:
        known = _methods[id(settings)] = (settings, ExampleLogin(load_key(settings)))
    return known[1]


@hookimpl
def register_login_methods(register: RegisterLoginMethod, settings: Settings) -> None:
    register(_method(settings))


@hookimpl
def register_routes(register: RegisterRoute, settings: Settings) -> None:
    register("/plugins/example/notify", _method(settings).notify, methods=["POST"])


@hookimpl
def register_commands(cli: CommandLine) -> None:
    def token(args: argparse.Namespace) -> None:
        settings = cli.settings()
        if settings.is_production:
            raise SystemExit("uidp: example-token plays the partner; it is for the dev profile only")
        print(make_token(load_key(settings), args.subject, args.state, time.time()))

    # a state is base64url, so about one in 64 starts with "-": dash_values keeps it a value, not an option
    command = cli.add_command(
        "example-token", help="dev: sign a partner token for a started state", run=token, dash_values=True
    )
    command.add_argument("--subject", required=True)
    command.add_argument("--state", required=True)
