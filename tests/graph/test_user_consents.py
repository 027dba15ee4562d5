"""Consents to connected systems in the user space, through HTTP (C3): myConsents and revokeConsent, with
anonymous, foreign and staff callers refused and a revocation ending the system's authorizations."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tests.graph.test_user_space import person
from tests.oidc_support import make_oidc_client
from tests.support import Api, browser, staff_token
from uidp.domain.accounts import SubjectKind
from uidp.domain.oidc import ClientProfile
from uidp.models.oidc import OidcAuthorization
from uidp.services.oidc.consents import Consents
from uidp.services.shared.principal import ClientInfo, Principal

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("203.0.113.9", "pytest")

MY_CONSENTS = """query($first: Int, $after: String) { myConsents(first: $first, after: $after) { __typename
  ... on ConnectedSystemConsentConnection { edges { cursor node {
      id systemName clientId scopes claims receives grantedAt updatedAt } }
    pageInfo { hasNextPage endCursor } }
  ... on Error { code message field } } }"""
REVOKE = """mutation($id: ID!) { revokeConsent(input: {consentId: $id}) { __typename
  ... on ConsentRevoked { consentId authorizationsRevoked }
  ... on Error { code message field } } }"""


async def consent(rt, person_id: str, name: str = "鄂汇办", scopes=("openid", "phone")):
    rp = (await make_oidc_client(rt, profile=ClientProfile.BASIC, name=name)).row
    me = Principal(SubjectKind.PERSON, uuid.UUID(person_id), uuid.uuid4())
    row = await Consents(rt).grant((me.kind, me.id), rp, list(scopes), [], actor=me, client_info=CLIENT)
    now = rt.clock.now()
    await OidcAuthorization.create(
        id=uuid.uuid4(),
        client_id=rp.id,
        subject_kind=me.kind,
        subject_id=me.id,
        scopes=list(scopes),
        acr="urn:uidp:level:1",
        auth_time=now,
        code_digest=uuid.uuid4().hex,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    return rp, row


async def test_a_person_lists_and_revokes_their_consents(api, rt, clock):
    person_id, token = await person(api)
    rp, first = await consent(rt, person_id, "鄂汇办")
    clock.advance(1)
    await consent(rt, person_id, "人社业务系统", scopes=("openid", "profile"))
    page = (await api.data(MY_CONSENTS, {"first": 1}, token=token))["myConsents"]
    assert page["__typename"] == "ConnectedSystemConsentConnection" and page["pageInfo"]["hasNextPage"]
    assert page["edges"][0]["node"]["systemName"] == "人社业务系统"
    assert page["edges"][0]["node"]["receives"] == ["您的平台账号标识（每个系统各不相同）", "您的姓名"]
    rest = await api.data(MY_CONSENTS, {"first": 5, "after": page["pageInfo"]["endCursor"]}, token=token)
    node = rest["myConsents"]["edges"][0]["node"]
    assert (node["id"], node["clientId"], node["scopes"]) == (str(first.id), rp.client_id, ["openid", "phone"])

    revoked = (await api.data(REVOKE, {"id": node["id"]}, token=token))["revokeConsent"]
    assert revoked == {"__typename": "ConsentRevoked", "consentId": node["id"], "authorizationsRevoked": 1}
    assert (await OidcAuthorization.get(client_id=rp.id)).revoked_reason == "consent_revoked"
    listed = (await api.data(MY_CONSENTS, {"first": 5}, token=token))["myConsents"]["edges"]
    assert [edge["node"]["systemName"] for edge in listed] == ["人社业务系统"]
    again = (await api.data(REVOKE, {"id": node["id"]}, token=token))["revokeConsent"]
    assert (again["__typename"], again["code"], again["field"]) == ("FieldError", "NOT_FOUND", "consentId")


async def test_someone_else_cannot_see_or_revoke_a_consent(api, rt):
    person_id, _ = await person(api)
    _, theirs = await person(api, phone="15012340059", seq="122")
    rp, row = await consent(rt, person_id)
    assert (await api.data(MY_CONSENTS, token=theirs))["myConsents"]["edges"] == []
    refused = (await api.data(REVOKE, {"id": str(row.id)}, token=theirs))["revokeConsent"]
    assert (refused["__typename"], refused["code"]) == ("FieldError", "NOT_FOUND")
    assert (await OidcAuthorization.get(client_id=rp.id)).revoked_at is None


async def test_anonymous_and_staff_callers_are_refused(api, app, rt):
    person_id, _ = await person(api)
    rp, row = await consent(rt, person_id)
    staff = await staff_token(rt, "administrator")
    async with browser(app) as fresh:
        anonymous = Api(fresh, rt)
        callers = ((None, "NotAuthenticated"), ("not-a-session", "NotAuthenticated"), (staff, "Forbidden"))
        for token, typename in callers:
            listed = (await anonymous.data(MY_CONSENTS, token=token))["myConsents"]
            assert listed["__typename"] == typename, listed
            refused = (await anonymous.data(REVOKE, {"id": str(row.id)}, token=token))["revokeConsent"]
            assert refused["__typename"] == typename, refused
    assert (await OidcAuthorization.get(client_id=rp.id)).revoked_at is None
