"""A real local HTTP server playing a connected system's back-channel logout and security event endpoints: it
checks what it gets as strictly as a relying party must (Back-Channel Logout 1.0 §2.6, RFC 8935 §2.1, RFC 8417)
with the provider's published keys, answers as the test tells it, and keeps every token and every complaint.

The checks are joserfc's and the specs', not the provider's code: a token the provider signs wrongly lands in
``problems`` and is answered 400.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from tests.services.oidc.jwks_server import serving_in_thread

BACKCHANNEL_LOGOUT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_PATH = "/backchannel-logout"
EVENTS_PATH = "/events"


@dataclass
class Receiver:
    """What the server expects (issuer, client_id, keys), how it answers, and what it got."""

    issuer: str
    client_id: str
    url: str = ""
    jwks: dict[str, Any] = field(default_factory=lambda: {"keys": []})
    statuses: list[int] = field(default_factory=list)  # answered in turn; then ``status``
    status: int = 200
    delay_seconds: float = 0.0  # wait before answering (a slow system)
    logouts: list[dict[str, Any]] = field(default_factory=list)  # claims of each valid logout token
    events: list[dict[str, Any]] = field(default_factory=list)  # claims of each valid security event token
    headers: list[dict[str, Any]] = field(default_factory=list)  # the JOSE header of each valid token
    problems: list[str] = field(default_factory=list)
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def logout_uri(self) -> str:
        return self.url + LOGOUT_PATH

    @property
    def event_uri(self) -> str:
        return self.url + EVENTS_PATH

    def answer(self) -> int:
        with self.lock:
            self.hits += 1
            return self.statuses.pop(0) if self.statuses else self.status

    # -- the checks ---------------------------------------------------------------------------------

    def verified(self, token: str, typ: str) -> tuple[dict[str, Any], dict[str, Any]]:
        header = extract_compact(token.encode("ascii")).headers()
        if header.get("typ") != typ:
            raise ValueError(f"typ {header.get('typ')!r}, not {typ}")
        if header.get("alg") not in ("ES256", "PS256"):
            raise ValueError(f"alg {header.get('alg')!r}")
        keys = KeySet.import_key_set(self.jwks)
        claims = dict(jwt.decode(token, keys, algorithms=[header["alg"]]).claims)
        if claims.get("iss") != self.issuer:
            raise ValueError("iss")
        if claims.get("aud") != self.client_id and claims.get("aud") != [self.client_id]:
            raise ValueError("aud")
        if not isinstance(claims.get("iat"), int) or abs(claims["iat"] - time.time()) > 10 * 365 * 86400:
            raise ValueError("iat")
        if not isinstance(claims.get("jti"), str) or len(claims["jti"]) < 16:
            raise ValueError("jti")
        return header, claims

    def check_logout(self, content_type: str, body: bytes) -> None:
        if content_type != "application/x-www-form-urlencoded":
            raise ValueError(f"content-type {content_type!r}")
        form = parse_qs(body.decode("ascii"), strict_parsing=True)
        if set(form) != {"logout_token"} or len(form["logout_token"]) != 1:
            raise ValueError(f"form fields {sorted(form)}")
        header, claims = self.verified(form["logout_token"][0], "logout+jwt")
        if claims.get("events") != {BACKCHANNEL_LOGOUT: {}}:
            raise ValueError(f"events {claims.get('events')!r}")
        if "nonce" in claims:
            raise ValueError("a logout token must not carry a nonce (§2.4)")
        if not claims.get("sub") and not claims.get("sid"):
            raise ValueError("neither sub nor sid")
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= claims["iat"]:
            raise ValueError("exp")
        with self.lock:
            self.logouts.append(claims)
            self.headers.append(header)

    def check_event(self, content_type: str, accept: str, body: bytes) -> None:
        if content_type != "application/secevent+jwt":
            raise ValueError(f"content-type {content_type!r}")
        if accept != "application/json":
            raise ValueError(f"accept {accept!r}")
        header, claims = self.verified(body.decode("ascii"), "secevent+jwt")
        events = claims.get("events")
        if not isinstance(events, dict) or len(events) != 1 or not all(isinstance(v, dict) for v in events.values()):
            raise ValueError(f"events {events!r}")
        if "exp" in claims:
            raise ValueError("a SET carries no exp (SSF 1.0)")
        sub_id = claims.get("sub_id")
        if not isinstance(sub_id, dict) or sub_id.get("format") != "iss_sub" or sub_id.get("iss") != self.issuer:
            raise ValueError(f"sub_id {sub_id!r}")
        with self.lock:
            self.events.append(claims)
            self.headers.append(header)


@contextmanager
def receiver(issuer: str, client_id: str) -> Iterator[Receiver]:
    state = Receiver(issuer, client_id)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            content_type = self.headers.get("content-type") or ""
            try:
                if self.path == LOGOUT_PATH:
                    state.check_logout(content_type, body)
                elif self.path == EVENTS_PATH:
                    state.check_event(content_type, self.headers.get("accept") or "", body)
                else:
                    raise ValueError(f"path {self.path}")
            except Exception as problem:  # every complaint is kept for the test
                with state.lock:
                    state.problems.append(f"{self.path}: {problem}")
                self._answer(400, {"err": "invalid_request", "description": str(problem)})
                return
            if state.delay_seconds:
                time.sleep(state.delay_seconds)
            status = state.answer()
            self._answer(status, {} if status >= 400 else None)

        def do_GET(self) -> None:
            self._answer(405, {})

        def _answer(self, status: int, body: dict[str, Any] | None) -> None:
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.send_header("cache-control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with serving_in_thread(Handler) as base:
        state.url = base
        yield state
