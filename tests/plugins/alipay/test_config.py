"""The Alipay settings: both key modes read, and each bad setting stops the start with a one-line ConfigError."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from plugins.alipay import AlipayConfig
from tests.plugins.alipay.material import material, pem, pkcs1, spki
from tests.support import production_keys
from uidp.config import ConfigError


def test_public_key_mode_with_a_pkcs1_key(settings, tmp_path):
    env = material().files(tmp_path, private=pkcs1(material().app_key))
    config = AlipayConfig.from_env(settings, env)
    assert (config.key_mode, config.app_cert_sn, config.subject) == ("public_key", None, "open_id")
    assert config.return_url == "/plugins/alipay/return"


def test_certificate_mode_computes_both_sns(settings, tmp_path):
    keys = material()
    config = AlipayConfig.from_env(settings, keys.files(tmp_path, mode="certificate"))
    from tests.plugins.alipay.material import expected_sn

    assert config.app_cert_sn == expected_sn(keys.app_cert)
    assert config.alipay_root_cert_sn == expected_sn(keys.root)  # the EC root is left out
    assert set(config.gateway_keys.certificates) == {expected_sn(keys.gateway_cert)}


def _write(tmp_path, name: str, data: bytes) -> str:
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"UIDP_ALIPAY_APP_ID": ""}, "UIDP_ALIPAY_APP_ID"),
        ({"UIDP_ALIPAY_APP_ID": "app-1"}, "UIDP_ALIPAY_APP_ID"),
        ({"UIDP_ALIPAY_KEY_MODE": "rsa"}, "UIDP_ALIPAY_KEY_MODE"),
        ({"UIDP_ALIPAY_SUBJECT": "email"}, "UIDP_ALIPAY_SUBJECT"),
        ({"UIDP_ALIPAY_PRIVATE_KEY_FILE": ""}, "UIDP_ALIPAY_PRIVATE_KEY_FILE is required"),
        ({"UIDP_ALIPAY_PRIVATE_KEY_FILE": "/nonexistent/key.pem"}, "cannot be read"),
        ({"UIDP_ALIPAY_PUBLIC_KEY_FILE": ""}, "UIDP_ALIPAY_PUBLIC_KEY_FILE is required"),
        ({"UIDP_ALIPAY_REDIRECT_URI": ""}, "UIDP_ALIPAY_REDIRECT_URI"),
        ({"UIDP_ALIPAY_REDIRECT_URI": "http://portal.example/cb"}, "https://"),
        ({"UIDP_ALIPAY_GATEWAY_URL": "ftp://openapi.alipay.com/gateway.do"}, "https://"),
        ({"UIDP_ALIPAY_RETURN_URL": "//evil.example/"}, "UIDP_ALIPAY_RETURN_URL"),
        ({"UIDP_ALIPAY_TIMEOUT": "soon"}, "UIDP_ALIPAY_TIMEOUT"),
        ({"UIDP_ALIPAY_TIMEOUT": "600"}, "UIDP_ALIPAY_TIMEOUT"),
    ],
)
def test_bad_settings_are_refused(settings, tmp_path, change, message):
    env = {**material().files(tmp_path), **change}
    with pytest.raises(ConfigError, match=message) as raised:
        AlipayConfig.from_env(settings, env)
    assert "\n" not in str(raised.value)


def test_weak_or_foreign_keys_are_refused(settings, tmp_path):
    env = material().files(tmp_path)
    weak = rsa.generate_private_key(65537, 1024)
    with pytest.raises(ConfigError, match="at least 2048"):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_PRIVATE_KEY_FILE": _write(tmp_path, "weak", pkcs1(weak))})
    with pytest.raises(ConfigError, match="at least 2048"):
        AlipayConfig.from_env(
            settings, {**env, "UIDP_ALIPAY_PUBLIC_KEY_FILE": _write(tmp_path, "wp", spki(weak.public_key()))}
        )
    with pytest.raises(ConfigError, match="not a readable"):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_PRIVATE_KEY_FILE": _write(tmp_path, "junk", b"junk")})


def test_certificate_mode_refuses_a_wrong_chain(settings, tmp_path):
    keys = material()
    env = keys.files(tmp_path, mode="certificate")
    rogue = _write(tmp_path, "rogue.crt", pem(keys.rogue_gateway_cert))
    with pytest.raises(ConfigError, match="does not chain"):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_CERT_FILE": rogue})
    other_app = _write(tmp_path, "app.crt", pem(keys.gateway_cert))
    with pytest.raises(ConfigError, match="does not certify"):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_APP_CERT_FILE": other_app})
    only_ec = _write(tmp_path, "ec.crt", pem(keys.ec_root))
    with pytest.raises(ConfigError):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_ROOT_CERT_FILE": only_ec})
    with pytest.raises(ConfigError, match="no PEM certificate"):
        AlipayConfig.from_env(settings, {**env, "UIDP_ALIPAY_CERT_FILE": _write(tmp_path, "empty.crt", b"")})


def test_local_http_is_for_the_dev_profile_only(make_settings, tmp_path):
    env = {**material().files(tmp_path), "UIDP_ALIPAY_GATEWAY_URL": "http://127.0.0.1:9000/gateway.do"}
    assert AlipayConfig.from_env(make_settings(), env).gateway_url.startswith("http://127.0.0.1")
    production = make_settings(profile="production", bcrypt_rounds=12, cookie_secure=True, **production_keys())
    with pytest.raises(ConfigError, match="https://"):
        AlipayConfig.from_env(production, env)
