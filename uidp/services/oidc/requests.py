"""The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, FAPI 2.0): one validator, whether the
parameters come from a pushed request's body (RFC 9126) or from the authorization endpoint's query.

The order is the one that decides where an error may go. Until the client and its redirect URI are known to
be genuine, nothing may be sent to the redirect URI (an attacker could name any), so those errors are
:class:`RequestRefused` with ``redirect_uri=None`` (the endpoint shows a page, never a redirect). After that,
every other error carries the redirect URI and the state, and the endpoint redirects with ``error``, ``state``
and ``iss``. Lengths and code points are checked before anything is looked up or compared.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from uidp.domain.oidc import SCOPES, ClientProfile, OAuthError, level_of_acr
from uidp.models.oidc import OidcClient
from uidp.services.oidc.problems import OAuthProblem

MAX_PARAMETERS = 32
MAX_VALUE = 2048  # any single parameter but ``claims``
MAX_CLAIMS = 4096  # the JSON claims request
MAX_REDIRECT_URI = 500  # as long as a registered one may be (OidcClient's column)
MAX_STATE = 512
MAX_NONCE = 512
MAX_MAX_AGE = 10**9  # about 31 years: anything longer is nonsense, not a policy
PROMPTS = frozenset({"none", "login", "consent"})
# Claims about the login itself: every ID token carries them, no scope or consent releases them.
PROTOCOL_CLAIMS = frozenset({"sub", "acr", "amr", "auth_time", "iss", "aud", "exp", "iat", "nonce", "sid"})

_VSCHAR = re.compile(r"[\x20-\x7e]*")  # RFC 6749 Appendix A: state, nonce, scope tokens
_B64URL_43 = re.compile(r"[A-Za-z0-9_-]{43}")  # a base64url SHA-256: S256 challenges and JWK thumbprints
_LOCALE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_CLAIM_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


class RequestRefused(OAuthProblem):
    """An authorization request refused. ``redirect_uri`` is None while the client or its redirect URI is not
    established: then the error is shown to the user and never sent anywhere. Otherwise the error goes back to
    ``redirect_uri`` with ``state``."""

    def __init__(
        self,
        error: OAuthError,
        description: str,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
    ) -> None:
        super().__init__(error, description)
        self.redirect_uri = redirect_uri
        self.state = state


@dataclass(frozen=True)
class AuthorizationRequest:
    """A valid authorization request: what the flow needs until the code is issued. JSON-able (it rides in
    step tickets between the pages); ``client_id`` is the OidcClient row's id, ``client`` its public id."""

    client_id: str
    client: str
    redirect_uri: str
    scopes: list[str]
    code_challenge: str
    state: str | None = None
    nonce: str | None = None
    claims: list[str] = field(default_factory=list)  # individually requested (the claims parameter)
    acr_values: list[str] = field(default_factory=list)
    prompt: list[str] = field(default_factory=list)
    max_age: int | None = None
    dpop_jkt: str | None = None
    ui_locales: list[str] = field(default_factory=list)
    pushed: bool = False

    def to_data(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> AuthorizationRequest:
        return cls(**{name: data[name] for name in cls.__dataclass_fields__ if name in data})

    def required_level(self, client: OidcClient) -> int:
        """The lowest identity level that satisfies the request: the client's minimum, raised to the lowest
        level ``acr_values`` lists (any listed value satisfies, OIDC Core §3.1.2.1)."""
        asked = [level_of_acr(value) for value in self.acr_values]
        wanted = min((int(level) for level in asked if level is not None), default=1)
        return max(int(client.min_level or 1), wanted)


def parameters(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The request's parameters as a dict: each at most once (RFC 6749 §3.1), an empty one as absent, and a
    bounded number of bounded values. Refused (``redirect_uri=None``) before any is interpreted."""
    found: dict[str, str] = {}
    for count, (name, value) in enumerate(items, start=1):
        if count > MAX_PARAMETERS:
            raise RequestRefused(OAuthError.INVALID_REQUEST, "too many parameters")
        if name in found:
            raise RequestRefused(OAuthError.INVALID_REQUEST, f"parameter {name[:40]!r} given more than once")
        if len(value) > (MAX_CLAIMS if name == "claims" else MAX_VALUE):
            raise RequestRefused(OAuthError.INVALID_REQUEST, f"parameter {name[:40]!r} is too long")
        if value != "":
            found[name] = value
    return found


def client_id_of(params: dict[str, str]) -> str:
    """The ``client_id`` parameter, checked for length and code points before it is looked up."""
    client_id = params.get("client_id", "")
    if not client_id:
        raise RequestRefused(OAuthError.INVALID_REQUEST, "client_id is required")
    if len(client_id) > 64 or not _VSCHAR.fullmatch(client_id):
        raise RequestRefused(OAuthError.INVALID_CLIENT, "unknown client")
    return client_id


def validate_request(client: OidcClient, params: dict[str, str], *, pushed: bool) -> AuthorizationRequest:
    """Check every parameter of an authorization request for ``client`` (already found by its client_id, and
    authenticated when ``pushed``); the request, or :class:`RequestRefused`."""
    redirect_uri = _redirect_uri(client, params)
    state = params.get("state")
    if state is not None and (len(state) > MAX_STATE or not _VSCHAR.fullmatch(state)):
        # a state that cannot be echoed safely is not echoed
        raise RequestRefused(OAuthError.INVALID_REQUEST, "state is invalid", redirect_uri=redirect_uri)

    def refuse(error: OAuthError, description: str) -> RequestRefused:
        return RequestRefused(error, description, redirect_uri=redirect_uri, state=state)

    if client.profile == ClientProfile.FAPI2 and not pushed:
        raise refuse(OAuthError.INVALID_REQUEST, "this client must use pushed authorization requests")
    if "request" in params or ("request_uri" in params and pushed):
        raise refuse(OAuthError.INVALID_REQUEST, "request objects are not supported")
    if params.get("response_type") != "code":
        raise refuse(OAuthError.UNSUPPORTED_RESPONSE_TYPE, "response_type must be code")
    if params.get("response_mode", "query") != "query":
        raise refuse(OAuthError.INVALID_REQUEST, "response_mode must be query")
    scopes = _scopes(client, params.get("scope", ""), refuse)
    claims, claimed_acr = _claims(client, params.get("claims"), refuse)
    challenge = _code_challenge(params, refuse)
    nonce = params.get("nonce")
    if nonce is not None and (len(nonce) > MAX_NONCE or not _VSCHAR.fullmatch(nonce)):
        raise refuse(OAuthError.INVALID_REQUEST, "nonce is invalid")
    acr_values = _acr_values(params.get("acr_values", ""), refuse) or claimed_acr
    prompt = _prompt(params.get("prompt", ""), refuse)
    dpop_jkt = params.get("dpop_jkt")
    if dpop_jkt is not None and not _B64URL_43.fullmatch(dpop_jkt):
        raise refuse(OAuthError.INVALID_REQUEST, "dpop_jkt must be a base64url SHA-256 JWK thumbprint")
    if dpop_jkt is not None and client.profile != ClientProfile.FAPI2:
        # its tokens are bearer tokens: a code bound to a key could never be redeemed
        raise refuse(OAuthError.INVALID_REQUEST, "dpop_jkt is for FAPI 2.0 clients; this client gets bearer tokens")
    return AuthorizationRequest(
        client_id=str(client.id),
        client=client.client_id,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=challenge,
        state=state,
        nonce=nonce,
        claims=claims,
        acr_values=acr_values,
        prompt=prompt,
        max_age=_max_age(params.get("max_age"), refuse),
        dpop_jkt=dpop_jkt,
        ui_locales=_ui_locales(params.get("ui_locales", ""), refuse),
        pushed=pushed,
    )


def _redirect_uri(client: OidcClient, params: dict[str, str]) -> str:
    uri = params.get("redirect_uri", "")
    if not uri:
        raise RequestRefused(OAuthError.INVALID_REQUEST, "redirect_uri is required")
    if len(uri) > MAX_REDIRECT_URI or not _VSCHAR.fullmatch(uri) or uri not in list(client.redirect_uris or []):
        raise RequestRefused(OAuthError.INVALID_REQUEST, "redirect_uri is not registered for this client")
    return uri


def _words(value: str) -> list[str]:
    """A space-delimited list (RFC 6749 §3.3), each word once, in the order given."""
    return list(dict.fromkeys(value.split(" "))) if value else []


def _scopes(client: OidcClient, value: str, refuse: Any) -> list[str]:
    if not _VSCHAR.fullmatch(value) or '"' in value or "\\" in value:
        raise refuse(OAuthError.INVALID_SCOPE, "scope is malformed")
    scopes = [word for word in _words(value) if word]
    if "openid" not in scopes:
        raise refuse(OAuthError.INVALID_SCOPE, "scope must include openid")
    allowed = set(client.scopes or [])
    refused = [scope for scope in scopes if scope not in SCOPES or scope not in allowed]
    if refused:
        raise refuse(OAuthError.INVALID_SCOPE, f"scope not allowed for this client: {refused[0][:40]}")
    return scopes


def _claims(client: OidcClient, value: str | None, refuse: Any) -> tuple[list[str], list[str]]:
    """The claims parameter (OIDC Core §5.5): the claim names asked for, and an acr it asks for by value."""
    if value is None:
        return [], []
    try:
        request = json.loads(value)
    except ValueError:
        raise refuse(OAuthError.INVALID_REQUEST, "claims is not JSON") from None
    if not isinstance(request, dict) or set(request) - {"userinfo", "id_token"}:
        raise refuse(OAuthError.INVALID_REQUEST, "claims must be an object of userinfo and id_token")
    names: list[str] = []
    acr: list[str] = []
    known = {claim for scope in SCOPES.values() for claim in scope.claims}
    allowed = set(client.claims or [])
    for member in request.values():
        if not isinstance(member, dict):
            raise refuse(OAuthError.INVALID_REQUEST, "claims members must be objects")
        for name, ask in member.items():
            if not isinstance(name, str) or not _CLAIM_NAME.fullmatch(name):
                raise refuse(OAuthError.INVALID_REQUEST, "claims names a claim that is malformed")
            if ask is not None and not isinstance(ask, dict):
                raise refuse(OAuthError.INVALID_REQUEST, "a claim's request must be null or an object")
            if name == "acr" and ask:
                acr += _acr_asked(ask, refuse)
            if name in PROTOCOL_CLAIMS:
                continue
            if name not in known or name not in allowed:
                raise refuse(OAuthError.INVALID_REQUEST, f"claim not allowed for this client: {name}")
            names.append(name)
    return list(dict.fromkeys(names)), list(dict.fromkeys(acr))


def _acr_asked(ask: dict[str, Any], refuse: Any) -> list[str]:
    values = ask.get("values", [ask["value"]] if "value" in ask else [])
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise refuse(OAuthError.INVALID_REQUEST, "the acr claim's values must be strings")
    return _acr_values(" ".join(values), refuse)


def _acr_values(value: str, refuse: Any) -> list[str]:
    values = [word for word in _words(value) if word]
    for acr in values:
        if level_of_acr(acr) is None:
            raise refuse(OAuthError.INVALID_REQUEST, f"unknown acr value: {acr[:60]}")
    return values


def _code_challenge(params: dict[str, str], refuse: Any) -> str:
    challenge, method = params.get("code_challenge"), params.get("code_challenge_method")
    if challenge is None:
        raise refuse(OAuthError.INVALID_REQUEST, "code_challenge is required (PKCE)")
    if method != "S256":
        raise refuse(OAuthError.INVALID_REQUEST, "code_challenge_method must be S256")
    if not _B64URL_43.fullmatch(challenge):
        raise refuse(OAuthError.INVALID_REQUEST, "code_challenge must be a base64url SHA-256 (43 characters)")
    return challenge


def _prompt(value: str, refuse: Any) -> list[str]:
    prompt = [word for word in _words(value) if word]
    unknown = [word for word in prompt if word not in PROMPTS]
    if unknown:
        raise refuse(OAuthError.INVALID_REQUEST, f"prompt value not supported: {unknown[0][:20]}")
    if "none" in prompt and len(prompt) > 1:
        raise refuse(OAuthError.INVALID_REQUEST, "prompt=none cannot be combined with other values")
    return prompt


def _max_age(value: str | None, refuse: Any) -> int | None:
    if value is None:
        return None
    if not value.isascii() or not value.isdigit() or int(value) > MAX_MAX_AGE:
        raise refuse(OAuthError.INVALID_REQUEST, "max_age must be a non-negative integer of seconds")
    return int(value)


def _ui_locales(value: str, refuse: Any) -> list[str]:
    locales = [word for word in _words(value) if word]
    if len(locales) > 8 or not all(_LOCALE.fullmatch(locale) for locale in locales):
        raise refuse(OAuthError.INVALID_REQUEST, "ui_locales is malformed")
    return locales


def scope_labels(scopes: Sequence[str], claims: Sequence[str]) -> list[str]:
    """What the consent page lists: the Chinese label of each scope asked for, and of the scope of each claim
    asked for individually, each once."""
    labels = [SCOPES[scope].label for scope in scopes if scope in SCOPES]
    for claim in claims:
        labels += [scope.label for scope in SCOPES.values() if claim in scope.claims]
    return list(dict.fromkeys(labels))
