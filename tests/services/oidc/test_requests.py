"""The authorization request validator (uidp.services.oidc.requests): every parameter, every refusal, and
where each refusal may go (a page until the client and redirect URI are established, the redirect after)."""

from __future__ import annotations

import json

import pytest

from tests.oidc_support import REDIRECT_URI, make_oidc_client
from uidp.domain.oidc import ClientProfile, OAuthError
from uidp.services.oidc.requests import (
    RequestRefused,
    client_id_of,
    parameters,
    scope_labels,
    validate_request,
)

CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
JKT = "UyHdGaIluYjsudoIxA00NJbcRmGKw74L_9AFEw0oU1g"


def query(**overrides: str) -> dict[str, str]:
    params = {
        "response_type": "code",
        "client_id": "rp",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid profile",
        "state": "st-1",
        "nonce": "n-1",
        "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {name: value for name, value in params.items() if value is not None}


async def test_a_full_request_is_read(rt):
    rp = await make_oidc_client(rt, profile=ClientProfile.FAPI2, min_level=2)
    claims = json.dumps({"userinfo": {"phone_number": None}, "id_token": {"acr": {"essential": True}}})
    request = validate_request(
        rp.row,
        query(
            scope="openid profile openid",
            claims=claims,
            acr_values="urn:uidp:level:3 urn:uidp:level:2",
            prompt="login consent",
            max_age="600",
            dpop_jkt=JKT,
            ui_locales="zh-CN en",
        ),
        pushed=True,
    )
    assert request.scopes == ["openid", "profile"]
    assert request.claims == ["phone_number"]  # acr is about the login: no scope or consent releases it
    assert request.acr_values == ["urn:uidp:level:3", "urn:uidp:level:2"]
    assert request.required_level(rp.row) == 2  # any listed value satisfies: the lowest, at least min_level
    assert request.prompt == ["login", "consent"] and request.max_age == 600 and request.dpop_jkt == JKT
    assert request.client == rp.row.client_id and request.client_id == str(rp.row.id) and request.pushed
    assert type(request).from_data(json.loads(json.dumps(request.to_data()))) == request


async def test_the_claims_parameter_can_ask_for_a_level(rt):
    rp = await make_oidc_client(rt, profile=ClientProfile.BASIC)
    claims = json.dumps({"id_token": {"acr": {"essential": True, "values": ["urn:uidp:level:3"]}}})
    request = validate_request(rp.row, query(claims=claims), pushed=False)
    assert request.acr_values == ["urn:uidp:level:3"] and request.required_level(rp.row) == 3
    assert validate_request(rp.row, query(), pushed=False).required_level(rp.row) == 1


@pytest.mark.parametrize(
    ("overrides", "description"),
    [
        ({"redirect_uri": None}, "redirect_uri is required"),
        ({"redirect_uri": REDIRECT_URI + "/"}, "not registered"),
        ({"redirect_uri": REDIRECT_URI.upper()}, "not registered"),
        ({"redirect_uri": REDIRECT_URI + "?x=1"}, "not registered"),
        ({"redirect_uri": "https://evil.example/callback"}, "not registered"),
        ({"redirect_uri": REDIRECT_URI + "\x00"}, "not registered"),
        ({"redirect_uri": "https://rp.example.gov.cn/" + "a" * 600}, "not registered"),
        # nothing is redirected to an unproven URI, whatever else is wrong
        ({"redirect_uri": "https://evil.example/cb", "response_type": "token"}, "not registered"),
    ],
)
async def test_a_redirect_uri_not_registered_exactly_is_never_redirected_to(rt, overrides, description):
    rp = await make_oidc_client(rt, profile=ClientProfile.BASIC)
    with pytest.raises(RequestRefused) as refused:
        validate_request(rp.row, query(**overrides), pushed=False)
    assert refused.value.error == OAuthError.INVALID_REQUEST and description in refused.value.description
    assert refused.value.redirect_uri is None


@pytest.mark.parametrize(
    ("overrides", "error", "description"),
    [
        ({"response_type": "token"}, OAuthError.UNSUPPORTED_RESPONSE_TYPE, "response_type"),
        ({"response_type": "code id_token"}, OAuthError.UNSUPPORTED_RESPONSE_TYPE, "response_type"),
        ({"response_type": None}, OAuthError.UNSUPPORTED_RESPONSE_TYPE, "response_type"),
        ({"response_mode": "fragment"}, OAuthError.INVALID_REQUEST, "response_mode"),
        ({"request": "eyJhbGciOiJub25lIn0.e30."}, OAuthError.INVALID_REQUEST, "request objects"),
        ({"scope": "profile"}, OAuthError.INVALID_SCOPE, "openid"),
        ({"scope": None}, OAuthError.INVALID_SCOPE, "openid"),
        ({"scope": "openid admin"}, OAuthError.INVALID_SCOPE, "admin"),
        ({"scope": "openid phone"}, OAuthError.INVALID_SCOPE, "phone"),  # known, but not this client's
        ({"scope": 'openid "x'}, OAuthError.INVALID_SCOPE, "malformed"),
        ({"scope": "openid\tprofile"}, OAuthError.INVALID_SCOPE, "malformed"),
        ({"code_challenge": None}, OAuthError.INVALID_REQUEST, "PKCE"),
        ({"code_challenge_method": None}, OAuthError.INVALID_REQUEST, "S256"),
        ({"code_challenge_method": "plain"}, OAuthError.INVALID_REQUEST, "S256"),
        ({"code_challenge": CHALLENGE[:42]}, OAuthError.INVALID_REQUEST, "43"),
        ({"code_challenge": CHALLENGE[:42] + "="}, OAuthError.INVALID_REQUEST, "43"),
        ({"nonce": "n\x01"}, OAuthError.INVALID_REQUEST, "nonce"),
        ({"nonce": "n" * 513}, OAuthError.INVALID_REQUEST, "nonce"),
        ({"claims": "{"}, OAuthError.INVALID_REQUEST, "JSON"),
        ({"claims": "[]"}, OAuthError.INVALID_REQUEST, "object"),
        ({"claims": json.dumps({"access_token": {}})}, OAuthError.INVALID_REQUEST, "object"),
        ({"claims": json.dumps({"userinfo": []})}, OAuthError.INVALID_REQUEST, "objects"),
        ({"claims": json.dumps({"userinfo": {"id_number": None}})}, OAuthError.INVALID_REQUEST, "id_number"),
        ({"claims": json.dumps({"userinfo": {"favourite_colour": None}})}, OAuthError.INVALID_REQUEST, "colour"),
        ({"claims": json.dumps({"userinfo": {"name": 1}})}, OAuthError.INVALID_REQUEST, "null or an object"),
        ({"claims": json.dumps({"userinfo": {"na me": None}})}, OAuthError.INVALID_REQUEST, "malformed"),
        ({"claims": json.dumps({"id_token": {"acr": {"values": [3]}}})}, OAuthError.INVALID_REQUEST, "strings"),
        ({"claims": json.dumps({"id_token": {"acr": {"value": "loa3"}}})}, OAuthError.INVALID_REQUEST, "acr"),
        ({"acr_values": "urn:uidp:level:4"}, OAuthError.INVALID_REQUEST, "unknown acr"),
        ({"prompt": "select_account"}, OAuthError.INVALID_REQUEST, "prompt"),
        ({"prompt": "none login"}, OAuthError.INVALID_REQUEST, "prompt=none"),
        ({"max_age": "-1"}, OAuthError.INVALID_REQUEST, "max_age"),
        ({"max_age": "1e3"}, OAuthError.INVALID_REQUEST, "max_age"),
        ({"max_age": "١٢"}, OAuthError.INVALID_REQUEST, "max_age"),  # Arabic-Indic digits are digits to Python
        ({"max_age": "9" * 11}, OAuthError.INVALID_REQUEST, "max_age"),
        ({"dpop_jkt": "short"}, OAuthError.INVALID_REQUEST, "dpop_jkt"),
        ({"ui_locales": "zh_CN"}, OAuthError.INVALID_REQUEST, "ui_locales"),
    ],
)
async def test_every_other_refusal_goes_back_to_the_redirect_uri_with_the_state(rt, overrides, error, description):
    rp = await make_oidc_client(rt, profile=ClientProfile.BASIC, scopes=["openid", "profile", "level"])
    with pytest.raises(RequestRefused) as refused:
        validate_request(rp.row, query(**overrides), pushed=False)
    assert refused.value.error == error and description in refused.value.description, refused.value
    assert refused.value.redirect_uri == REDIRECT_URI and refused.value.state == "st-1"


async def test_a_state_that_cannot_be_echoed_is_not(rt):
    rp = await make_oidc_client(rt, profile=ClientProfile.BASIC)
    for state in ("s" * 513, "s\n", "状态"):
        with pytest.raises(RequestRefused) as refused:
            validate_request(rp.row, query(state=state), pushed=False)
        assert refused.value.redirect_uri == REDIRECT_URI and refused.value.state is None


async def test_only_a_fapi_client_may_bind_a_dpop_key(rt):
    basic = await make_oidc_client(rt, profile=ClientProfile.BASIC)
    with pytest.raises(RequestRefused, match="dpop_jkt is for FAPI") as refused:
        validate_request(basic.row, query(dpop_jkt=JKT), pushed=True)
    assert refused.value.redirect_uri == REDIRECT_URI and refused.value.state == "st-1"


async def test_a_fapi_client_must_push_its_request(rt):
    rp = await make_oidc_client(rt, profile=ClientProfile.FAPI2)
    with pytest.raises(RequestRefused) as refused:
        validate_request(rp.row, query(), pushed=False)
    assert refused.value.error == OAuthError.INVALID_REQUEST and "pushed" in refused.value.description
    assert refused.value.redirect_uri == REDIRECT_URI
    assert validate_request(rp.row, query(), pushed=True).pushed
    with pytest.raises(RequestRefused, match="request objects"):  # RFC 9126 §2.1: no request_uri in a push
        validate_request(rp.row, query(request_uri="urn:ietf:params:oauth:request_uri:x"), pushed=True)


def test_parameters_are_each_given_once_and_bounded():
    assert parameters([("a", "1"), ("b", "")]) == {"a": "1"}  # an empty parameter is an absent one
    for items, description in (
        ([("scope", "openid"), ("scope", "openid")], "more than once"),
        ([(f"p{n}", "x") for n in range(33)], "too many"),
        ([("state", "s" * 2049)], "too long"),
        ([("claims", "{" * 4097)], "too long"),
    ):
        with pytest.raises(RequestRefused, match=description) as refused:
            parameters(items)
        assert refused.value.redirect_uri is None
    assert parameters([("claims", " " * 4096)]) == {"claims": " " * 4096}


def test_the_client_id_is_checked_before_it_is_looked_up():
    assert client_id_of({"client_id": "rp-1"}) == "rp-1"
    with pytest.raises(RequestRefused, match="required"):
        client_id_of({})
    for bad in ("x" * 65, "rp\x00", "客户端"):
        with pytest.raises(RequestRefused) as refused:
            client_id_of({"client_id": bad})
        assert refused.value.error == OAuthError.INVALID_CLIENT and refused.value.redirect_uri is None


def test_the_consent_page_lists_each_thing_once():
    labels = scope_labels(["openid", "phone"], ["phone_number", "name"])
    assert labels == ["您的平台账号标识（每个系统各不相同）", "您的手机号码", "您的姓名"]
