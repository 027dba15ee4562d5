"""A proxy session (E3) may not change who controls the entity: deny by default, through HTTP.

Every root field that needs a session is called with a proxy session; only the public ones and those listed in
``graph.permissions.AGENT_FIELDS`` may answer anything but a refusal. The entity's own session, for the same
fields, is not refused (so the refusal is the proxy session's, not the entity's).
"""

from __future__ import annotations

import json

import pytest

from graph.permissions import AGENT_FIELDS
from tests.graph.proxy_support import Delegation
from tests.graph.test_access_matrix import EVERYONE, EXPECTATIONS, call, document, root_fields, verdict
from uidp.models.audit import AuditEvent

pytestmark = pytest.mark.anyio

ERROR = "{ __typename ... on Error { code message field } }"
CONTACT = "mutation($i: StartEntityContactChangeInput!) { startEntityContactChange(input: $i) " + ERROR + " }"
LEGAL = "mutation($i: ChangeEntityLegalInformationInput!) { changeEntityLegalInformation(input: $i) " + ERROR + " }"
CA_CODE = "mutation { sendBindCertificateCode " + ERROR + " }"
CA_START = "mutation { startCertificateBinding { __typename ... on Error { code message field } } }"
CA_BIND = "mutation($i: BindCertificateInput!) { bindCertificate(input: $i) " + ERROR + " }"


@pytest.fixture
def settings(make_settings):
    return make_settings(client_failure_limit=10_000, login_captcha_after=10_000)


async def test_a_proxy_session_is_refused_every_field_that_is_not_public_or_listed(api, rt):
    world = await Delegation.build(rt)
    mismatches = []
    for name, (operation, field) in sorted(root_fields().items()):
        expectation = EXPECTATIONS[name]
        query = document(name, operation, field, expectation.args)
        body = await call(api, query, await world.agent_token(), expectation.upload)
        got = verdict(body, name)
        refused = _refused_as_agent(body, name)
        want = "allow" if expectation.allow == EVERYONE or name in AGENT_FIELDS else "deny"
        if want == "deny" and not refused:
            mismatches.append(f"{name}: not refused to a proxy session: {json.dumps(body, ensure_ascii=False)[:200]}")
        if want == "allow" and got != "allow":
            mismatches.append(f"{name}: refused to a proxy session: {json.dumps(body, ensure_ascii=False)[:200]}")
    assert not mismatches, "\n".join(mismatches)


def _refused_as_agent(body: dict, name: str) -> bool:
    """The answer is a refusal: AGENT_FORBIDDEN, or the plain denial staff and person fields give an entity."""
    for error in body.get("errors") or []:
        if (error.get("extensions") or {}).get("code") in {"AGENT_FORBIDDEN", "FORBIDDEN", "NOT_AUTHENTICATED"}:
            return True
    value = (body.get("data") or {}).get(name)
    return isinstance(value, dict) and value.get("__typename") in ("Forbidden", "NotAuthenticated")


async def test_the_entity_contact_cannot_be_changed_by_a_proxy_session(api, rt):
    """Even an agent who knows the entity's password gets no contact-change ticket from a proxy session."""
    world = await Delegation.build(rt)
    variables = {"i": {"password": world.entity_password}}
    refused = (await api.data(CONTACT, variables, token=await world.agent_token()))["startEntityContactChange"]
    assert (refused["__typename"], refused["code"]) == ("Forbidden", "AGENT_FORBIDDEN"), refused
    own = (await api.data(CONTACT, variables, token=await world.entity_token()))["startEntityContactChange"]
    assert own["__typename"] == "EntityContactChangeStarted", own
    assert not await AuditEvent.filter(event_type="entity.contact_change_verified", actor_kind="person").exists()


async def test_legal_information_and_certificates_cannot_be_changed_by_a_proxy_session(api, rt):
    world = await Delegation.build(rt)
    token = await world.agent_token()
    legal = {
        "entityType": "ENTERPRISE",
        "entityName": "湖北楚天新名称有限公司",
        "representativeName": "李四",
        "representativeCertificateNumber": "420102199001011215",
    }
    answers = [
        (await api.data(LEGAL, {"i": legal}, token=token))["changeEntityLegalInformation"],
        (await api.data(CA_CODE, token=token))["sendBindCertificateCode"],
        (await api.data(CA_START, token=token))["startCertificateBinding"],
        (
            await api.data(
                CA_BIND,
                {"i": {"certificate": "x", "chain": [], "challenge": "x", "signature": "x", "smsCode": "123456"}},
                token=token,
            )
        )["bindCertificate"],
    ]
    for answer in answers:
        assert (answer["__typename"], answer["code"]) == ("Forbidden", "AGENT_FORBIDDEN"), answer
