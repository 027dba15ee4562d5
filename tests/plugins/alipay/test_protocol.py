"""The protocol facts of issue 10, each pinned by a known answer: the string to sign, Beijing timestamps, the
signed member's exact text, certificate SNs, the root SN over RSA roots only, PKCS#1 and PKCS#8 keys."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization

from plugins.alipay.keys import KeyMaterialError, cert_sn, load_private_key, load_public_key, root_cert_sn
from plugins.alipay.protocol import AnswerError, beijing_timestamp, rsa2_sign, rsa2_verify, sign_content, split_answer
from tests.plugins.alipay.material import expected_sn, material, pkcs1, pkcs8, spki


def test_string_to_sign_is_sorted_unencoded_and_keeps_sign_type():
    params = {"timestamp": "2026-12-02 12:00:00", "sign_type": "RSA2", "app_id": "2021000123456789", "sign": "xyz",
              "method": "alipay.system.oauth.token", "code": "a+b/c=d&e", "grant_type": "authorization_code",
              "empty": ""}  # fmt: skip
    assert sign_content(params) == (
        "app_id=2021000123456789&code=a+b/c=d&e&grant_type=authorization_code&method=alipay.system.oauth.token"
        "&sign_type=RSA2&timestamp=2026-12-02 12:00:00"
    )


def test_timestamp_is_beijing_time_whatever_the_host_zone(monkeypatch):
    import time

    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        assert beijing_timestamp(1_764_633_600) == "2025-12-02 08:00:00"  # 2025-12-02 00:00 UTC
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_the_signed_text_is_the_member_exactly_as_sent():
    key = material().gateway_key
    member = '{"code":"10000","msg":"Success","nick_name":"小明","note":"has \\"sign\\": inside"}'
    body = '{"alipay_user_info_share_response":' + member + ',"sign":"' + rsa2_sign(key, member) + '"}'
    answer = split_answer("alipay.user.info.share", body)
    assert answer.text == member and answer.member == "alipay_user_info_share_response"
    assert rsa2_verify(key.public_key(), answer.text, answer.sign or "")
    spaced = body.replace('"msg":"Success"', '"msg": "Success"')  # the same JSON, other text
    assert not rsa2_verify(key.public_key(), split_answer("alipay.user.info.share", spaced).text, answer.sign or "")


def test_certificate_mode_answer_and_error_member():
    body = '{"error_response":{"code":"40002","sub_code":"isv.code-invalid"},"alipay_cert_sn":"abc","sign":"c2ln"}'
    answer = split_answer("alipay.system.oauth.token", body)
    assert (answer.member, answer.cert_sn, answer.sign) == ("error_response", "abc", "c2ln")
    assert answer.fields["sub_code"] == "isv.code-invalid"


@pytest.mark.parametrize("body", [
    '[]', '{"x":1}', '{"alipay_user_info_share_response":{},"sign":"a","sign":"b"}',
    '{"alipay_user_info_share_response":{}} trailing', '{"alipay_user_info_share_response":[]}',
    '{"alipay_user_info_share_response":{},"sign":5}',
])  # fmt: skip
def test_malformed_answers_are_refused(body):
    with pytest.raises((AnswerError, ValueError)):
        split_answer("alipay.user.info.share", body)


def test_signature_claiming_another_hash_does_not_verify():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = material().gateway_key
    sha1 = base64.b64encode(key.sign(b"text", padding.PKCS1v15(), hashes.SHA1())).decode()
    assert not rsa2_verify(key.public_key(), "text", sha1)
    assert not rsa2_verify(key.public_key(), "text", "not base64!")


def test_cert_sn_is_md5_of_rfc2253_issuer_and_decimal_serial():
    keys = material()
    for cert in (keys.app_cert, keys.gateway_cert, keys.root):
        assert cert_sn(cert) == expected_sn(cert)
    assert cert_sn(keys.app_cert) != cert_sn(keys.gateway_cert)  # same issuer, other serial


def test_root_cert_sn_joins_the_rsa_roots_only():
    keys = material()
    assert (
        root_cert_sn([keys.root, keys.ec_root, keys.rogue_root])
        == f"{expected_sn(keys.root)}_{expected_sn(keys.rogue_root)}"
    )
    with pytest.raises(KeyMaterialError):
        root_cert_sn([keys.ec_root])


@pytest.mark.parametrize("form", ["pkcs1", "pkcs8", "bare_pkcs1", "bare_pkcs8"])
def test_private_keys_load_as_pkcs1_or_pkcs8(form):
    key = material().app_key
    fmt = serialization.PrivateFormat.TraditionalOpenSSL if form.endswith("1") else serialization.PrivateFormat.PKCS8
    data = {"pkcs1": pkcs1(key), "pkcs8": pkcs8(key)}.get(form) or base64.b64encode(
        key.private_bytes(serialization.Encoding.DER, fmt, serialization.NoEncryption()))  # fmt: skip
    assert load_private_key(data).private_numbers() == key.private_numbers()


def test_public_keys_load_as_pem_or_bare_base64():
    public = material().gateway_key.public_key()
    bare = base64.b64encode(
        public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    assert load_public_key(spki(public)).public_numbers() == public.public_numbers()
    assert load_public_key(bare).public_numbers() == public.public_numbers()
    with pytest.raises(KeyMaterialError):
        load_public_key(b"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----")
