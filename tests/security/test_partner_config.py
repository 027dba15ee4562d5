"""A scan channel's UIDP_<CHANNEL>_* settings block (uidp.security.partner_config): what production needs,
what the dev profile falls back to, and one-line ConfigErrors for wrong values."""

from __future__ import annotations

import dataclasses

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from uidp.config import ConfigError, Settings
from uidp.plugin_api import PartnerSettings, SignAlgorithm, sm2

URL = "https://partner.example/scan"
PEM = (
    rsa.generate_private_key(public_exponent=65537, key_size=2048)
    .public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
)


def read(env: dict[str, str], tmp_path, profile: str = "dev") -> PartnerSettings | None:
    settings = Settings.from_env({}, data_dir=tmp_path, profile=profile) if profile == "dev" else _production(tmp_path)
    return PartnerSettings.from_env("ehuiban", settings, default_qr_url=URL, environ=env)


def _production(tmp_path) -> Settings:
    """Only ``is_production`` matters here; the production profile's key checks are tested elsewhere."""
    return dataclasses.replace(Settings.from_env({}, data_dir=tmp_path), profile="production")


def test_the_dev_profile_trusts_the_sandbox_partner_and_production_registers_nothing(tmp_path):
    dev = read({}, tmp_path)
    assert dev is not None and dev.sandbox and list(dev.partners) == ["sandbox-ehuiban"]
    assert dev.callback_path == "/plugins/ehuiban/callback" and dev.qr_payload("T1") == URL + "?ticket=T1"
    assert read({}, tmp_path, profile="production") is None


def test_a_configured_partner(tmp_path):
    point = sm2.public_point(sm2.new_private_key())
    key_file = tmp_path / "partner.pem"
    key_file.write_text(PEM)
    rsa_partner = read({"UIDP_EHUIBAN_PARTNER_ID": "ehb", "UIDP_EHUIBAN_PUBLIC_KEY_FILE": str(key_file)}, tmp_path)
    assert rsa_partner is not None and not rsa_partner.sandbox
    assert rsa_partner.partners["ehb"].algorithm is SignAlgorithm.RSA
    env = {"UIDP_EHUIBAN_PARTNER_ID": "ehb", "UIDP_EHUIBAN_SIGN_ALGORITHM": "sm2",
           "UIDP_EHUIBAN_PUBLIC_KEY": "04" + point.hex(), "UIDP_EHUIBAN_QR_URL": "https://ehb.example/s?x=1",
           "UIDP_EHUIBAN_CALLBACK_WINDOW": "60"}  # fmt: skip
    sm2_partner = read(env, tmp_path, profile="production")
    assert sm2_partner is not None and sm2_partner.partners["ehb"].key == point
    assert sm2_partner.window_seconds == 60 and sm2_partner.qr_payload("T") == "https://ehb.example/s?x=1&ticket=T"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"UIDP_EHUIBAN_PUBLIC_KEY": PEM}, "PARTNER_ID is required"),
        ({"UIDP_EHUIBAN_PARTNER_ID": "ehb", "UIDP_EHUIBAN_PUBLIC_KEY": "nonsense"}, "PUBLIC_KEY"),
        ({"UIDP_EHUIBAN_PUBLIC_KEY_FILE": "/nonexistent/key.pem"}, "cannot be read"),
        ({"UIDP_EHUIBAN_SIGN_ALGORITHM": "DSA"}, "RSA or SM2"),
        ({"UIDP_EHUIBAN_CALLBACK_PATH": "/graphql"}, "under /plugins/ehuiban/"),
        ({"UIDP_EHUIBAN_CALLBACK_PATH": "/plugins/ehuiban/../x"}, "under /plugins/ehuiban/"),
        ({"UIDP_EHUIBAN_QR_URL": "javascript:alert(1)"}, "http(s) URL"),
        ({"UIDP_EHUIBAN_CALLBACK_WINDOW": "soon"}, "whole number"),
        ({"UIDP_EHUIBAN_CALLBACK_WINDOW": "3600"}, "between 30 and 900"),
    ],
)
def test_wrong_settings_stop_the_start_with_one_line(tmp_path, env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read(env, tmp_path)
