"""private_key_jwt refusals through HTTP at /oidc/par and /oidc/token: a wrong audience, an expired assertion,
a replayed jti and a wrong algorithm are each 401 invalid_client, and nothing is pushed or spent."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from joserfc import jwk, jwt

from tests.http.oidc.flow_support import request_params
from tests.services.oidc.logins import person_login
from tests.services.oidc.rp import ASSERTION_TYPE, Rp
from uidp.events import EventType
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcAuthorization

pytestmark = pytest.mark.anyio


def signed(rp: Rp, *, header: dict[str, Any] | None = None, key: jwk.Key | None = None, **claims: Any) -> str:
    """A client assertion of ``rp``, with ``claims`` and ``header`` overriding a valid one's."""
    assert rp.client.key is not None
    now = int(rp.rt.clock.now().timestamp())
    body = {
        "iss": rp.row.client_id,
        "sub": rp.row.client_id,
        "aud": rp.rt.settings.oidc_issuer,
        "iat": now,
        "exp": now + 60,
        "jti": secrets.token_urlsafe(16),
        **claims,
    }
    head = {"alg": "ES256", "kid": rp.client.key.thumbprint(), **(header or {})}
    return jwt.encode(head, body, key or rp.client.key, algorithms=[head["alg"]])


def bad_assertions(rp: Rp) -> dict[str, str]:
    now = int(rp.rt.clock.now().timestamp())
    return {
        "token endpoint as aud": signed(rp, aud=rp.url("/oidc/token")),
        "par endpoint as aud": signed(rp, aud=rp.url("/oidc/par")),
        "aud as an array": signed(rp, aud=[rp.rt.settings.oidc_issuer]),
        "expired": signed(rp, iat=now - 120, exp=now - 60),
        "HS256": signed(rp, header={"alg": "HS256"}, key=jwk.OctKey.generate_key(256)),
        "RS256": signed(rp, header={"alg": "RS256", "kid": "r"}, key=jwk.RSAKey.generate_key(2048, private=True)),
        "another key": signed(rp, key=jwk.ECKey.generate_key("P-256", private=True)),
    }


def assertion_form(token: str) -> dict[str, str]:
    return {"client_assertion_type": ASSERTION_TYPE, "client_assertion": token}


async def refusals() -> list[str]:
    events = await AuditEvent.filter(event_type=EventType.OIDC_CLIENT_AUTH_REFUSED).order_by("at")
    return [event.details["reason"] for event in events]


def refused(answer: Any) -> None:
    assert answer.status_code == 401, answer.text
    assert answer.json()["error"] == "invalid_client" and answer.headers["cache-control"] == "no-store"


async def test_bad_assertions_at_par(client, rt):
    rp = await Rp.fapi(rt)
    for name, token in bad_assertions(rp).items():
        form = {"client_id": rp.row.client_id, **request_params(), **assertion_form(token)}
        answer = await client.post("/oidc/par", data=form)
        assert answer.status_code == 401, name
        refused(answer)
    assert len(await refusals()) == 7
    assert await AuditEvent.filter(event_type=EventType.OIDC_REQUEST_PUSHED).count() == 0


async def test_a_replayed_assertion_at_par(client, rt):
    rp = await Rp.fapi(rt)
    form = {"client_id": rp.row.client_id, **request_params(), **assertion_form(rp.assertion())}
    assert (await client.post("/oidc/par", data=form)).status_code == 201
    refused(await client.post("/oidc/par", data=form))
    assert await refusals() == ["replayed"]


async def test_bad_assertions_at_the_token_endpoint_spend_nothing(client, rt):
    rp, login = await Rp.fapi(rt), await person_login(rt)
    code, verifier = await rp.code(login)
    for name, token in bad_assertions(rp).items():
        form = {**rp.code_form(code, verifier), **assertion_form(token)}
        answer = await client.post("/oidc/token", data=form, headers={"dpop": await rp.proof("POST", "/oidc/token")})
        assert answer.status_code == 401, name
        refused(answer)
    assert await OidcAuthorization.all().count() == 0
    form = rp.code_form(code, verifier)  # a good assertion: the code was not spent by any of those
    answer = await client.post("/oidc/token", data=form, headers={"dpop": await rp.proof("POST", "/oidc/token")})
    assert answer.status_code == 200, answer.text
    again = await client.post("/oidc/token", data=form, headers={"dpop": await rp.proof("POST", "/oidc/token")})
    refused(again)  # the same assertion again: its jti is spent
    assert (await refusals())[-1] == "replayed"
    assert await OidcAuthorization.filter(revoked_at__isnull=True).count() == 1  # the replay did not reach the code
