"""The relying party's side of bench/oidc.py, made with joserfc: the seed (persons, a FAPI 2.0 client, remembered
consents), client assertions (RFC 7523), DPoP proofs (RFC 9449), and one load client's way to its first tokens
(GraphQL login, PAR, /oidc/authorize with the session cookie, the code exchange)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwk, jwt

PASSWORD = "Bench#Pass2026"
REDIRECT_URI = "https://rp.example.gov.cn/callback"
SCOPE = "openid profile phone"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
LOGIN = (
    "mutation($i: LoginWithPasswordInput!){ loginWithPassword(input: $i){ __typename ... on LoginSuccess { token }"
    " ... on Error { code message } } }"
)
SESSION_COOKIE = "uidp_session"  # the dev profile's name (uidp.http.auth)


@dataclass
class Party:
    """One load client: its uidp session, its DPoP key and the tokens of its authorization (picklable)."""

    session_token: str
    dpop_key: dict[str, Any]  # private JWK
    refresh_token: str
    access_token: str


@dataclass(frozen=True)
class Rp:
    """The connected system: issuer, client id and its private key (private_key_jwt)."""

    issuer: str
    client_id: str
    key: dict[str, Any]  # private JWK

    def assertion(self) -> str:
        """A fresh private_key_jwt client assertion (aud = the issuer, valid a minute)."""
        key = jwk.ECKey.import_key(self.key)
        now = int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.issuer,
            "iat": now,
            "exp": now + 60,
            "jti": secrets.token_urlsafe(16),
        }
        return jwt.encode({"alg": "ES256", "kid": key.thumbprint()}, claims, key, algorithms=["ES256"])

    def auth_fields(self) -> dict[str, str]:
        return {
            "client_id": self.client_id,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(),
        }

    def refresh_form(self, refresh_token: str) -> bytes:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, **self.auth_fields()}
        return urlencode(form).encode()


def proof(key: jwk.ECKey, method: str, url: str, nonce: str | None, access_token: str | None = None) -> str:
    """A DPoP proof for ``method`` ``url`` by ``key`` (with the server's nonce and, at userinfo, ``ath``)."""
    claims: dict[str, Any] = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url, "iat": int(time.time())}
    if nonce:
        claims["nonce"] = nonce
    if access_token is not None:
        digest = hashlib.sha256(access_token.encode()).digest()
        claims["ath"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    return jwt.encode(header, claims, key, algorithms=["ES256"])


# -- one load client's first tokens (httpx, before the measured phases) -------------------------------------


def _with_nonce(http: httpx.Client, send: Any, nonce: list[str]) -> httpx.Response:
    """``send(nonce)`` once, and again with the server's nonce when it answers use_dpop_nonce."""
    answer = send(nonce[0] if nonce else None)
    if "dpop-nonce" in answer.headers:
        fresh = answer.headers["dpop-nonce"]
        nonce[:] = [fresh]
        if answer.status_code in (400, 401) and "use_dpop_nonce" in answer.text:
            answer = send(fresh)
            nonce[:] = [answer.headers.get("dpop-nonce", fresh)]
    return answer


def first_tokens(base_url: str, rp: Rp, phone: str) -> Party:
    """Log in through GraphQL, push the request with private_key_jwt and DPoP, follow /oidc/authorize with the
    session cookie to the code, and exchange it (PKCE, DPoP with the server's nonce)."""
    key = jwk.ECKey.generate_key("P-256", private=True)
    nonce: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60) as http:
        body = {"query": LOGIN, "variables": {"i": {"identifier": phone, "password": PASSWORD}}}
        login = http.post("/graphql", json=body).json()
        result = (login.get("data") or {}).get("loginWithPassword") or {}
        if result.get("__typename") != "LoginSuccess":
            raise RuntimeError(f"loginWithPassword failed: {login}")
        token = str(result["token"])
        if SESSION_COOKIE not in http.cookies:  # GraphQL answers the token; a browser would hold it as the cookie
            http.cookies.set(SESSION_COOKIE, token, domain=urlsplit(base_url).hostname or "")
        verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        request = {
            "response_type": "code",
            "redirect_uri": REDIRECT_URI,
            "scope": SCOPE,
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }

        def par(n: str | None) -> httpx.Response:
            headers = {"DPoP": proof(key, "POST", f"{rp.issuer}/oidc/par", n)}
            return http.post("/oidc/par", data={**request, **rp.auth_fields()}, headers=headers)

        pushed = _with_nonce(http, par, nonce)
        if pushed.status_code != 201:
            raise RuntimeError(f"PAR failed: {pushed.status_code} {pushed.text}")
        params = {"client_id": rp.client_id, "request_uri": pushed.json()["request_uri"]}
        answer = http.get("/oidc/authorize", params=params)
        location = answer.headers.get("location", "")
        code = parse_qs(urlsplit(location).query).get("code", [""])[0]
        if answer.status_code not in (302, 303) or not location.startswith(REDIRECT_URI) or not code:
            raise RuntimeError(f"/oidc/authorize gave no code: {answer.status_code} {location} {answer.text[:500]}")
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI}
        form["code_verifier"] = verifier

        def exchange(n: str | None) -> httpx.Response:
            headers = {"DPoP": proof(key, "POST", f"{rp.issuer}/oidc/token", n)}
            return http.post("/oidc/token", data={**form, **rp.auth_fields()}, headers=headers)

        tokens = _with_nonce(http, exchange, nonce)
        if tokens.status_code != 200:
            raise RuntimeError(f"the code exchange failed: {tokens.status_code} {tokens.text}")
        data = tokens.json()
        party = Party(token, key.as_dict(private=True), data["refresh_token"], data["access_token"])
        userinfo_check(http, rp, party, nonce)
        return party


def refreshed(base_url: str, rp: Rp, party: Party) -> Party:
    """One refresh outside the measured windows (a fresh access token before a userinfo phase)."""
    key = jwk.ECKey.import_key(party.dpop_key)
    nonce: list[str] = []
    with httpx.Client(base_url=base_url, timeout=60) as http:

        def exchange(n: str | None) -> httpx.Response:
            headers = {"DPoP": proof(key, "POST", f"{rp.issuer}/oidc/token", n)}
            form = {"grant_type": "refresh_token", "refresh_token": party.refresh_token, **rp.auth_fields()}
            return http.post("/oidc/token", data=form, headers=headers)

        answer = _with_nonce(http, exchange, nonce)
        if answer.status_code != 200:
            raise RuntimeError(f"a refresh failed: {answer.status_code} {answer.text}")
        data = answer.json()
        return Party(party.session_token, party.dpop_key, data["refresh_token"], data["access_token"])


def userinfo_check(http: httpx.Client, rp: Rp, party: Party, nonce: list[str]) -> None:
    key = jwk.ECKey.import_key(party.dpop_key)

    def call(n: str | None) -> httpx.Response:
        headers = {
            "Authorization": f"DPoP {party.access_token}",
            "DPoP": proof(key, "GET", f"{rp.issuer}/oidc/userinfo", n, party.access_token),
        }
        return http.get("/oidc/userinfo", headers=headers)

    answer = _with_nonce(http, call, nonce)
    if answer.status_code != 200 or not answer.json().get("name"):
        raise RuntimeError(f"userinfo does not work: {answer.status_code} {answer.text}")


# -- the seed (this process, straight through the models) -------------------------------------------------


async def seed(env: dict[str, str], persons: int) -> tuple[list[str], Rp]:
    """``persons`` active persons with the benchmark password, a FAPI 2.0 client with an ES256 key, and each
    person's remembered consent to every scope (so /oidc/authorize answers a code at once)."""
    import uuid
    from datetime import UTC, datetime

    from tortoise import Tortoise

    from uidp.config import Settings
    from uidp.db import tortoise_config
    from uidp.domain.accounts import SubjectKind
    from uidp.domain.oidc import SCOPES, ClientProfile
    from uidp.models.oidc import OidcClient, OidcConsent
    from uidp.models.person import Person
    from uidp.services.persons.seeding import seed_persons

    settings = Settings.from_env(env)
    await Tortoise.init(config=tortoise_config(settings))
    try:
        phones = await seed_persons(settings, persons, PASSWORD)
        key = jwk.ECKey.generate_key("P-256", private=True)
        now = datetime.now(UTC)
        scopes = list(SCOPES)
        claims = [claim for scope in scopes for claim in SCOPES[scope].claims]
        client_id = "bench-rp"
        client = await OidcClient.create(
            id=uuid.uuid4(),
            client_id=client_id,
            name="基准测试业务系统",
            profile=ClientProfile.FAPI2.value,
            redirect_uris=[REDIRECT_URI],
            post_logout_redirect_uris=[],
            jwks={"keys": [{**key.as_dict(private=False), "kid": key.thumbprint(), "use": "sig"}]},
            scopes=scopes,
            claims=claims,
            sector_id=client_id,
            created_at=now,
            updated_at=now,
        )
        await OidcConsent.bulk_create(
            [
                OidcConsent(
                    id=uuid.uuid4(),
                    subject_kind=SubjectKind.PERSON.value,
                    subject_id=person_id,
                    client_id=client.id,
                    scopes=scopes,
                    claims=claims,
                    granted_at=now,
                    updated_at=now,
                )
                for person_id in await Person.all().values_list("id", flat=True)
            ]
        )
    finally:
        await Tortoise.close_connections()
    return phones, Rp(settings.oidc_issuer, client_id, key.as_dict(private=True))
