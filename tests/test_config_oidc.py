"""The single sign-on settings: the dev issuer, production's https issuer (or none: single sign-on off), the
issuer's form, the signing algorithm and the lifetimes; each refusal one line naming the variable."""

from __future__ import annotations

import pytest

from tests.test_config import production_env, refusal
from uidp.app import create_app
from uidp.config import Settings, settings_docs

ISSUER = "https://sso.example.gov.cn"


def test_dev_takes_the_address_uidp_serve_listens_on(tmp_path):
    settings = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path)})
    assert settings.oidc_issuer == "http://127.0.0.1:8000" and settings.oidc_enabled
    assert settings.oidc_url("/oidc/token") == "http://127.0.0.1:8000/oidc/token"
    assert settings.oidc_signing_alg == "ES256" and settings.oidc_access_token_seconds == 300


def test_production_needs_https_and_without_an_issuer_serves_no_provider(tmp_path):
    sandbox = {"UIDP_ALLOW_SANDBOX": "true"}  # the app starts with the built-in sandbox verifiers
    served = Settings.from_env(production_env(tmp_path, UIDP_OIDC_ISSUER=ISSUER, **sandbox))
    assert served.oidc_enabled and served.oidc_issuer == ISSUER
    off = Settings.from_env(production_env(tmp_path, **sandbox))
    assert not off.oidc_enabled and off.oidc_issuer == ""
    paths = {getattr(route, "path", "") for route in create_app(off).routes}
    assert "/oidc/jwks" not in paths and "/.well-known/openid-configuration" not in paths
    assert "/oidc/jwks" in {getattr(route, "path", "") for route in create_app(served).routes}
    message = refusal(production_env(tmp_path, UIDP_OIDC_ISSUER="http://sso.example.gov.cn"))
    assert message == "UIDP_OIDC_ISSUER must be https in production"


@pytest.mark.parametrize(
    "issuer",
    [
        "https://sso.example.gov.cn/",
        "https://sso.example.gov.cn/path/",
        "https://sso.example.gov.cn?x=1",
        "https://sso.example.gov.cn#top",
        "https://user@sso.example.gov.cn",
        "ftp://sso.example.gov.cn",
        "sso.example.gov.cn",
        "https:// sso.example.gov.cn",
    ],
)
def test_an_issuer_is_a_plain_url_without_a_final_slash(tmp_path, issuer):
    message = refusal({"UIDP_DATA_DIR": str(tmp_path), "UIDP_OIDC_ISSUER": issuer})
    assert message.startswith("UIDP_OIDC_ISSUER must be a URL like https://sso.example.gov.cn")


def test_an_issuer_may_have_a_path(tmp_path):
    settings = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path), "UIDP_OIDC_ISSUER": ISSUER + "/sso"})
    assert settings.oidc_url("/oidc/jwks") == ISSUER + "/sso/oidc/jwks"


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("UIDP_OIDC_SIGNING_ALG", "RS256", "UIDP_OIDC_SIGNING_ALG must be ES256 or PS256"),
        ("UIDP_OIDC_SIGNING_ALG", "none", "UIDP_OIDC_SIGNING_ALG must be ES256 or PS256"),
        ("UIDP_OIDC_ACCESS_TOKEN_SECONDS", "0", "UIDP_OIDC_ACCESS_TOKEN_SECONDS must be between 30 and 3600"),
        ("UIDP_OIDC_ID_TOKEN_SECONDS", "86400", "UIDP_OIDC_ID_TOKEN_SECONDS must be between 30 and 3600"),
        ("UIDP_OIDC_KEY_CACHE_SECONDS", "0", "UIDP_OIDC_KEY_CACHE_SECONDS must be between 1 and 3600"),
        ("UIDP_OIDC_REFRESH_SECONDS", "x", "UIDP_OIDC_REFRESH_SECONDS must be a whole number, not 'x'"),
    ],
)
def test_bad_values_are_refused_in_one_line(tmp_path, variable, value, message):
    assert refusal({"UIDP_DATA_DIR": str(tmp_path), variable: value}) == message


def test_ps256_and_the_lifetimes_are_read_from_the_environment(tmp_path):
    env = {"UIDP_DATA_DIR": str(tmp_path), "UIDP_OIDC_SIGNING_ALG": "PS256", "UIDP_OIDC_ID_TOKEN_SECONDS": "600"}
    settings = Settings.from_env(env)
    assert settings.oidc_signing_alg == "PS256" and settings.oidc_signed_token_seconds == 600


def test_every_single_sign_on_setting_is_documented():
    documented = {doc.env for doc in settings_docs()}
    assert {"UIDP_OIDC_ISSUER", "UIDP_OIDC_SIGNING_ALG", "UIDP_OIDC_KEY_CACHE_SECONDS"} <= documented


def test_the_outbox_settings_and_production_refusing_a_worker_without_a_sender(tmp_path):
    dev = Settings.from_env({"UIDP_DATA_DIR": str(tmp_path), "UIDP_OIDC_OUTBOX_SECONDS": "0"})
    assert (dev.oidc_outbox_seconds, dev.oidc_delivery_timeout_seconds, dev.oidc_delivery_retention_days) == (0, 5, 30)
    message = refusal(production_env(tmp_path, UIDP_OIDC_ISSUER=ISSUER, UIDP_OIDC_OUTBOX_SECONDS="0"))
    assert message == "UIDP_OIDC_OUTBOX_SECONDS must be between 1 and 3600"
    timeout = refusal({"UIDP_DATA_DIR": str(tmp_path), "UIDP_OIDC_DELIVERY_TIMEOUT_SECONDS": "0"})
    assert timeout == "UIDP_OIDC_DELIVERY_TIMEOUT_SECONDS must be between 1 and 60"
