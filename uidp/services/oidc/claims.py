"""What the ID token and userinfo say about the subject of an authorization (C2).

- ``sub`` is pairwise (OIDC Core §8.1): an HMAC-SHA256, under a key derived from UIDP_SECRET_KEY, over the
  client's sector, the subject kind and the subject id. Stable for one sector, unlinkable across sectors, and it
  reveals nothing of the account (a cancelled account's next registration is a new id, so a new ``sub``).
- An entity's session speaks for the entity: ``sub`` is the entity's. A proxy session (an agent under a grant)
  adds ``act`` (RFC 8693 §4.1) naming the agent by the agent's own pairwise ``sub`` for the same sector, and
  ``delegation``: the grant's service items and period, so a connected system can enforce them itself.
- PII leaves only under a granted scope or as a claim asked for by name, when the client is allowed the
  claim and the person consented to it (:func:`released_claims`), decrypted through
  :class:`~uidp.services.shared.pii.Pii` at the moment of release.

The ID token carries who logged in and how (``sub``, ``act``, ``acr``, ``amr``, ``auth_time``); the scope claims
are answered by userinfo (OIDC Core §5.4: the code flow issues an access token, so that is where they go).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from tortoise.models import Model

from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import SCOPES, OAuthError
from uidp.models.entity import Entity
from uidp.models.grant import Grant
from uidp.models.oidc import OidcAuthorization, OidcClient
from uidp.models.person import Person
from uidp.runtime import Runtime
from uidp.services.delegation.chains import chain_of
from uidp.services.entities.entities import CREDIT_CODE as ENTITY_CREDIT_CODE
from uidp.services.entities.entities import NAME as ENTITY_NAME
from uidp.services.oidc.problems import OAuthProblem
from uidp.services.shared.pii import Pii

Purpose = Literal["id_token", "userinfo", "access_token"]

_PAIRWISE_LABEL = b"uidp oidc pairwise subject v1"
# Claims that are about the login itself, not released data: never filtered by scope or consent.
IDENTITY_CLAIMS = frozenset({"sub", "act"})


def _pairwise_key(secret_key: bytes) -> bytes:
    """The pairwise-subject key: its own HMAC key, so no other digest made under the secret key equals a sub."""
    return hmac.new(secret_key, _PAIRWISE_LABEL, hashlib.sha256).digest()


def pairwise_sub(rt: Runtime, client: OidcClient, kind: str, subject_id: uuid.UUID | str) -> str:
    """The ``sub`` of subject (``kind``, ``subject_id``) for ``client``'s sector: 43 base64url characters."""
    message = f"{client.sector_id}\x00{kind}\x00{subject_id}".encode()
    digest = hmac.new(_pairwise_key(rt.secret_key), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sid_of(authorization: OidcAuthorization) -> str:
    """The ``sid`` of ID tokens and logout tokens: the authorization's id, random and per client (the uidp
    session's id would be one value for every client and link their pairwise subjects)."""
    return str(authorization.id)


def released_claims(
    authorization: OidcAuthorization, client: OidcClient, scopes: Sequence[str] | None = None
) -> frozenset[str]:
    """The claim names this authorization may release: the claims of its granted scopes (narrowed to
    ``scopes``, an access token's, when given) and the claims asked for one by one (OIDC Core §5.5, the
    ``claims`` parameter), both consented to on the consent page, of those the client is allowed."""
    granted = [scope for scope in authorization.scopes if scopes is None or scope in scopes]
    by_scope = {claim for scope in granted if scope in SCOPES for claim in SCOPES[scope].claims}
    asked = set(authorization.claims or ())
    return frozenset((by_scope | asked) & set(client.claims))


def epoch(moment: Any) -> int:
    """A datetime as a JWT NumericDate (whole seconds since the epoch)."""
    return int(moment.timestamp())


async def claims_for(
    rt: Runtime,
    authorization: OidcAuthorization,
    client: OidcClient,
    *,
    purpose: Purpose = "id_token",
    scopes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The claims about the authorization's subject for ``purpose``.

    ``id_token``: sub, act (proxy sessions), acr, amr, auth_time. ``userinfo``: sub, act, and every released
    scope claim (name, id_type, id_number, phone_number + phone_number_verified, level; entity_name and
    credit_code for an entity; delegation for a proxy session). ``access_token`` (RFC 9068): sub, acr,
    auth_time, and for proxy sessions act + delegation always (the resource server enforces the grant).
    ``scopes`` narrows userinfo to an access token's scopes (a refresh may narrow them). A subject that no
    longer exists (a cancelled person) raises ``invalid_grant`` (``invalid_token`` at
    userinfo): the caller's standing check normally refuses before this.
    """
    claims: dict[str, Any] = {"sub": pairwise_sub(rt, client, authorization.subject_kind, authorization.subject_id)}
    if authorization.actor_id is not None:
        claims["act"] = {"sub": pairwise_sub(rt, client, SubjectKind.PERSON, authorization.actor_id)}
    if purpose in ("id_token", "access_token"):
        claims["acr"] = authorization.acr
        if purpose == "id_token":
            claims["amr"] = list(authorization.amr)
        claims["auth_time"] = epoch(authorization.auth_time)
        if purpose == "access_token" and authorization.grant_id is not None:
            claims["delegation"] = await delegation_claim(rt, authorization, client)
        return claims
    released = released_claims(authorization, client, scopes)
    account = await _account(authorization)
    if account is None:
        raise OAuthProblem(OAuthError.INVALID_TOKEN, "the subject of this token no longer exists")
    pii = Pii(rt)
    if isinstance(account, Person):
        claims.update(_person_claims(pii, account, released))
    else:
        claims.update(_entity_claims(pii, account, released))
    if "delegation" in released and authorization.grant_id is not None:
        claims["delegation"] = await delegation_claim(rt, authorization, client)
    return claims


async def _account(authorization: OidcAuthorization) -> Model | None:
    if authorization.subject_kind == SubjectKind.PERSON:
        return await Person.get_or_none(id=authorization.subject_id)
    if authorization.subject_kind == SubjectKind.ENTITY:
        return await Entity.get_or_none(id=authorization.subject_id)
    return None


def _person_claims(pii: Pii, person: Person, released: Iterable[str]) -> dict[str, Any]:
    wanted = set(released)
    claims: dict[str, Any] = {}
    if "name" in wanted:
        claims["name"] = pii.open("person.name", person.id, person.name_enc)
    if "id_type" in wanted:
        claims["id_type"] = person.certificate_type
    if "id_number" in wanted:
        claims["id_number"] = pii.open("person.certificate_number", person.id, person.certificate_number_enc)
    if "phone_number" in wanted and person.phone_enc is not None:  # none after a phone appeal took it (P9a)
        claims["phone_number"] = e164(pii.open("person.phone", person.id, person.phone_enc))
        claims["phone_number_verified"] = True  # every phone on an account was proven by an SMS code
    if "level" in wanted:
        claims["level"] = person.level
    return claims


def _entity_claims(pii: Pii, entity: Entity, released: Iterable[str]) -> dict[str, Any]:
    wanted = set(released)
    claims: dict[str, Any] = {}
    if "entity_name" in wanted:
        claims["entity_name"] = pii.open(ENTITY_NAME, entity.id, entity.name_enc)
    if "credit_code" in wanted:
        claims["credit_code"] = pii.open(ENTITY_CREDIT_CODE, entity.id, entity.credit_code_enc)
    if "level" in wanted:
        claims["level"] = entity.level
    return claims


def e164(phone: str) -> str:
    """A mainland mobile number as OIDC's ``phone_number`` wants it (E.164: ``+86`` and the 11 digits)."""
    return phone if phone.startswith("+") else f"+86{phone}"


async def delegation_claim(rt: Runtime, authorization: OidcAuthorization, client: OidcClient) -> dict[str, Any]:
    """What a proxy session may do for the entity: the entity (its pairwise ``sub``), the service items of the
    grant the session rests on and the period in which the whole chain is in force (epoch seconds). No grant id:
    it is the same for every sector and would link the agent's pairwise subjects."""
    assert authorization.grant_id is not None
    chain: tuple[Grant, ...] = await chain_of(authorization.grant_id)
    held = chain[-1]
    return {
        "entity": pairwise_sub(rt, client, SubjectKind.ENTITY, held.entity_id),
        "service_items": sorted(held.scope),
        "valid_from": max(epoch(grant.starts_at) for grant in chain),
        "valid_until": min(epoch(grant.ends_at) for grant in chain),
    }
