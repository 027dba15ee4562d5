"""Connected systems through GraphQL over HTTP: an administrator registers, reads, lists, changes, disables and
enables systems and rotates a basic one's secret; reviewers, operators, persons and anonymous callers are
refused; every bad input is a typed error naming its field, and nothing of it is kept."""

from __future__ import annotations

import json

import pytest
from joserfc.jwk import ECKey

from tests.support import staff_token
from uidp.models.audit import AuditEvent
from uidp.models.oidc import OidcClient
from uidp.security.tokens import token_digest
from uidp.services.auth.api_tokens import ApiTokens
from uidp.services.oidc.clients import OidcClients

pytestmark = pytest.mark.anyio

SYSTEM = """id clientId name profile redirectUris postLogoutRedirectUris jwks jwksUri hasSecret scopes claims
  minLevel backchannelLogoutUri eventUri eventTypes sectorId enabled disabledAt createdAt updatedAt"""
REGISTER = f"""mutation($i: RegisterConnectedSystemInput!) {{ registerConnectedSystem(input: $i) {{ __typename
  ... on ConnectedSystemRegistered {{ clientSecret system {{ {SYSTEM} }} }}
  ... on Error {{ code message field }} }} }}"""
UPDATE = f"""mutation($i: UpdateConnectedSystemInput!) {{ updateConnectedSystem(input: $i) {{ __typename
  ... on ConnectedSystemUpdated {{ system {{ {SYSTEM} }} }}
  ... on Error {{ code message field }} }} }}"""
DISABLE = """mutation($i: ConnectedSystemInput!) { disableConnectedSystem(input: $i) { __typename
  ... on ConnectedSystemDisabled { system { clientId enabled disabledAt } } ... on Error { code message field } } }"""
ENABLE = """mutation($i: ConnectedSystemInput!) { enableConnectedSystem(input: $i) { __typename
  ... on ConnectedSystemEnabled { system { clientId enabled } } ... on Error { code message field } } }"""
ROTATE = """mutation($i: ConnectedSystemInput!) { rotateConnectedSystemSecret(input: $i) { __typename
  ... on ConnectedSystemSecretRotated { clientSecret system { clientId hasSecret } }
  ... on Error { code message field } } }"""
READ = f"""query($c: String!) {{ connectedSystem(clientId: $c) {{ {SYSTEM} }} }}"""
LIST = """query($first: Int, $after: String) { connectedSystems(first: $first, after: $after) {
  edges { cursor node { clientId enabled } } pageInfo { hasNextPage endCursor } } }"""


def form(**changes):
    key = ECKey.generate_key("P-256")
    values = {
        "name": "鄂汇办",
        "profile": "FAPI2",
        "clientId": "ehuiban",
        "redirectUris": ["https://rp.example.gov.cn/callback"],
        "scopes": ["openid", "profile", "level"],
        "jwks": json.dumps({"keys": [key.as_dict(private=False)]}),
        "minLevel": 2,
        "backchannelLogoutUri": "https://rp.example.gov.cn/backchannel",
    }
    values.update(changes)
    return values


async def test_an_administrator_registers_reads_lists_and_changes_a_system(api, rt):
    admin = await staff_token(rt, "administrator", username="admin1")
    registered = (await api.data(REGISTER, {"i": form()}, token=admin))["registerConnectedSystem"]
    assert registered["__typename"] == "ConnectedSystemRegistered" and registered["clientSecret"] is None
    system = registered["system"]
    assert system["clientId"] == "ehuiban" and system["profile"] == "FAPI2" and system["enabled"]
    assert system["claims"] == ["sub", "name", "level"] and system["minLevel"] == 2 and not system["hasSecret"]
    assert system["jwks"]["keys"][0]["kid"]
    read = (await api.data(READ, {"c": "ehuiban"}, token=admin))["connectedSystem"]
    assert read == system
    assert (await api.data(READ, {"c": "nobody"}, token=admin))["connectedSystem"] is None
    changed = await api.data(
        UPDATE, {"i": {"clientId": "ehuiban", "name": "鄂汇办 App", "backchannelLogoutUri": None}}, token=admin
    )
    updated = changed["updateConnectedSystem"]["system"]
    assert updated["name"] == "鄂汇办 App" and updated["backchannelLogoutUri"] is None
    assert updated["redirectUris"] == system["redirectUris"] and updated["jwks"] == system["jwks"]  # omitted: kept
    listed = (await api.data(LIST, {"first": 10}, token=admin))["connectedSystems"]
    assert [edge["node"]["clientId"] for edge in listed["edges"]] == ["ehuiban"]
    event = await AuditEvent.filter(event_type="oidc.client_updated").first()
    assert event is not None and event.details["changed"] == ["backchannel_logout_uri", "name"]
    assert event.client_address and event.actor_kind == "staff"


async def test_a_basic_systems_secret_is_shown_once_and_rotates(api, rt):
    admin = await staff_token(rt, "administrator", username="admin1")
    answer = await api.data(REGISTER, {"i": form(profile="BASIC", jwks=None, clientId="portal")}, token=admin)
    secret = answer["registerConnectedSystem"]["clientSecret"]
    assert secret and answer["registerConnectedSystem"]["system"]["hasSecret"]
    assert (await OidcClient.get(client_id="portal")).secret_digest == token_digest(secret)
    read = await api.gql(READ, {"c": "portal"}, token=admin)
    assert secret not in json.dumps(read)
    rotated = (await api.data(ROTATE, {"i": {"clientId": "portal"}}, token=admin))["rotateConnectedSystemSecret"]
    assert rotated["clientSecret"] not in (None, secret)
    assert (await OidcClient.get(client_id="portal")).secret_digest == token_digest(rotated["clientSecret"])
    fapi = await api.data(REGISTER, {"i": form()}, token=admin)
    assert fapi["registerConnectedSystem"]["__typename"] == "ConnectedSystemRegistered"
    refused = (await api.data(ROTATE, {"i": {"clientId": "ehuiban"}}, token=admin))["rotateConnectedSystemSecret"]
    assert (refused["code"], refused["field"]) == ("NOT_A_BASIC_CLIENT", "clientId")


async def test_disabling_hides_the_system_from_the_provider_at_once(api, rt):
    admin = await staff_token(rt, "administrator", username="admin1")
    await api.data(REGISTER, {"i": form()}, token=admin)
    disabled = (await api.data(DISABLE, {"i": {"clientId": "ehuiban"}}, token=admin))["disableConnectedSystem"]
    assert disabled["system"]["enabled"] is False and disabled["system"]["disabledAt"]
    assert await OidcClients(rt).by_client_id("ehuiban") is None
    enabled = (await api.data(ENABLE, {"i": {"clientId": "ehuiban"}}, token=admin))["enableConnectedSystem"]
    assert enabled["system"]["enabled"] is True and await OidcClients(rt).by_client_id("ehuiban") is not None
    missing = (await api.data(DISABLE, {"i": {"clientId": "nobody"}}, token=admin))["disableConnectedSystem"]
    assert (missing["code"], missing["field"]) == ("NOT_FOUND", "clientId")


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"redirectUris": ["http://rp.example.gov.cn/callback"]}, "INVALID_REDIRECT_URI", "redirectUris"),
        ({"redirectUris": ["https://rp.example.gov.cn/callback#x"]}, "INVALID_REDIRECT_URI", "redirectUris"),
        (
            {"jwks": json.dumps({"keys": [ECKey.generate_key("P-256", private=True).as_dict(private=True)]})},
            "CLIENT_KEYS_PRIVATE",
            "jwks",
        ),
        ({"jwks": "{}"}, "CLIENT_KEYS_INVALID", "jwks"),
        ({"jwks": None}, "CLIENT_KEYS_REQUIRED", "jwks"),
        ({"scopes": ["openid", "email"]}, "UNKNOWN_SCOPE", "scopes"),
        ({"claims": ["id_number"]}, "UNKNOWN_CLAIM", "claims"),
        ({"minLevel": 5}, "INVALID_FORMAT", "minLevel"),
        ({"clientId": "x"}, "INVALID_FORMAT", "clientId"),
        ({"eventTypes": ["urn:uidp:secevent:grant-revoked"]}, "REQUIRED", "eventUri"),
        ({"name": ""}, "INVALID_FORMAT", "name"),
    ],
)
async def test_bad_input_is_a_typed_error_naming_its_field(api, rt, changes, code, field):
    admin = await staff_token(rt, "administrator", username="admin1")
    answer = (await api.data(REGISTER, {"i": form(**changes)}, token=admin))["registerConnectedSystem"]
    assert answer["__typename"] == "FieldError" and (answer["code"], answer["field"]) == (code, field)
    assert any(ord(char) > 0x3000 for char in answer["message"])  # a Chinese message
    assert await OidcClient.all().count() == 0


async def test_too_long_input_is_refused_at_the_edge(api, rt):
    admin = await staff_token(rt, "administrator", username="admin1")
    body = await api.data(REGISTER, {"i": form(redirectUris=["https://rp.cn/" + "x" * 600])}, token=admin)
    answer = body["registerConnectedSystem"]
    assert (answer["code"], answer["field"]) == ("INPUT_TOO_LONG", "redirectUris")
    assert await OidcClient.all().count() == 0


async def test_only_administrators_manage_systems(api, rt):
    reviewer = await staff_token(rt, "reviewer", username="reviewer1")
    operator = await staff_token(rt, "operator", username="operator1")
    for token, code in ((reviewer, "FORBIDDEN"), (operator, "FORBIDDEN"), (None, "NOT_AUTHENTICATED")):
        answer = (await api.data(REGISTER, {"i": form()}, token=token))["registerConnectedSystem"]
        assert answer["code"] == code
        read = await api.gql(READ, {"c": "ehuiban"}, token=token)
        assert read["errors"][0]["extensions"]["code"] == code
        listed = await api.gql(LIST, {"first": 5}, token=token)
        assert listed["errors"][0]["extensions"]["code"] == code
    assert await OidcClient.all().count() == 0


async def test_an_api_token_needs_the_connected_systems_scope(api, rt):
    admin = await staff_token(rt, "administrator", username="admin1")
    tokens = ApiTokens(rt)
    without = await tokens.create(staff_username="admin1", name="audit", scopes=["audit"], expires_in_days=1)
    within = await tokens.create(staff_username="admin1", name="sso", scopes=["connected_systems"], expires_in_days=1)
    refused = (await api.data(REGISTER, {"i": form()}, token=without.token))["registerConnectedSystem"]
    assert refused["code"] == "TOKEN_SCOPE"
    allowed = (await api.data(REGISTER, {"i": form()}, token=within.token))["registerConnectedSystem"]
    assert allowed["__typename"] == "ConnectedSystemRegistered" and admin
