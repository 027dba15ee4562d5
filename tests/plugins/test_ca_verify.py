"""plugins.ca.verify: keys, chains, dates, usage, CRLs and proof of possession, for RSA (PKCS#1 v1.5, PSS),
ECDSA and SM2 (SM2 certificates and CRLs are DER built by hand in tests/plugins/ca_factory.py)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID

from plugins.ca import CertificateLogin, verifier_from_settings
from plugins.ca.verify import CertificateVerifier, credit_code_of, person_number_of
from tests.plugins.ca_factory import CREDIT_CODE, NOW, PERSON_NUMBER, CaFactory, write_crl
from tests.support import production_keys
from uidp.config import ConfigError, Settings
from uidp.domain.errors import DomainError, ErrorCode
from uidp.ports import LoginFailure, LoginRequest

CHALLENGE = "q3Zb6m4tYxk0bq1yq4m1zC3q8r3rQmN0Zk7y9a1b2c3"


def code_of(call) -> ErrorCode:
    with pytest.raises(DomainError) as caught:
        call()
    return caught.value.code


@pytest.fixture(params=["rsa", "rsa-pss", "ec", "sm2"])
def ca(request) -> CaFactory:
    kind = {"rsa-pss": "rsa"}.get(request.param, request.param)
    return CaFactory(kind=kind, pss=request.param == "rsa-pss")


def test_a_good_certificate_verifies_and_proves_possession(ca):
    leaf = ca.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    certificate, verified = verifier.verify(leaf.pem, [], NOW)
    verifier.verify_possession(certificate, CHALLENGE, leaf.sign(CHALLENGE))
    assert verified.credit_code == CREDIT_CODE
    assert len(verified.fingerprint) == 64
    assert verified.serial == format(leaf.certificate.serial_number, "x")
    assert "CN=" in verified.subject_dn


def test_der_base64_and_an_intermediate_from_the_client(ca):
    sub = ca.intermediate()
    leaf = sub.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    _, verified = verifier.verify(leaf.der_b64, [sub.root.der_b64], NOW)
    assert verified.credit_code == CREDIT_CODE
    # without the intermediate there is no path
    assert code_of(lambda: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED


def test_expired_and_not_yet_valid(ca):
    verifier = CertificateVerifier([ca.root.certificate])
    old = ca.issue(not_before=NOW - timedelta(days=400), not_after=NOW - timedelta(seconds=1))
    early = ca.issue(not_before=NOW + timedelta(seconds=1))
    assert code_of(lambda: verifier.verify(old.pem, [], NOW)) == ErrorCode.CERTIFICATE_NOT_VALID_NOW
    assert code_of(lambda: verifier.verify(early.pem, [], NOW)) == ErrorCode.CERTIFICATE_NOT_VALID_NOW
    verifier.verify(early.pem, [], NOW + timedelta(seconds=2))  # the clock time decides


def test_revoked_by_a_crl_signed_by_the_issuer(ca):
    leaf, other = ca.issue(), ca.issue()
    verifier = CertificateVerifier([ca.root.certificate], [ca.crl(leaf.certificate)])
    assert code_of(lambda: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_REVOKED
    verifier.verify(other.pem, [], NOW)


def test_a_crl_not_signed_by_the_issuer_is_ignored(ca):
    leaf = ca.issue()
    forged = ca.crl(leaf.certificate, signing_key=CaFactory(kind=ca.kind, label=ca.label).root.key)
    CertificateVerifier([ca.root.certificate], [forged]).verify(leaf.pem, [], NOW)


def test_an_intermediate_revoked_by_its_root(ca):
    sub = ca.intermediate()
    leaf = sub.issue()
    verifier = CertificateVerifier([ca.root.certificate], [ca.crl(sub.root.certificate)])
    assert code_of(lambda: verifier.verify(leaf.pem, [sub.root.pem], NOW)) == ErrorCode.CERTIFICATE_REVOKED


def test_untrusted_root(ca):
    stranger = CaFactory(kind=ca.kind, label=ca.label)  # same name, other key
    leaf = stranger.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    assert code_of(lambda: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED
    # sending the stranger's root as an "intermediate" does not help: only configured roots anchor
    assert code_of(lambda: verifier.verify(leaf.pem, [stranger.root.pem], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED
    assert code_of(lambda: CertificateVerifier([]).verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED


def test_wrong_key_usage(ca):
    verifier = CertificateVerifier([ca.root.certificate])
    for usage in ("encipher", None):
        leaf = ca.issue(key_usage=usage)
        assert code_of(lambda leaf=leaf: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_USAGE_INVALID
    not_a_ca = ca.intermediate(ca=False, key_usage="sign")
    leaf = not_a_ca.issue()
    assert code_of(lambda: verifier.verify(leaf.pem, [not_a_ca.root.pem], NOW)) == ErrorCode.CERTIFICATE_USAGE_INVALID


def test_signature_by_another_key(ca):
    leaf, other = ca.issue(), ca.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    certificate, _ = verifier.verify(leaf.pem, [], NOW)
    for signature in (other.sign(CHALLENGE), leaf.sign(CHALLENGE + "x"), "not base64!", ""):
        assert (
            code_of(lambda s=signature: verifier.verify_possession(certificate, CHALLENGE, s))
            == ErrorCode.SIGNATURE_INVALID
        )


def test_tampered_chain(ca):
    sub = ca.intermediate()
    leaf = sub.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    der = bytearray(sub.root.certificate.public_bytes(Encoding.DER))
    der[-10] ^= 0x01  # inside the intermediate's signature
    tampered = base64.b64encode(bytes(der)).decode()
    assert code_of(lambda: verifier.verify(leaf.pem, [tampered], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED
    leaf_der = bytearray(leaf.certificate.public_bytes(Encoding.DER))
    leaf_der[-10] ^= 0x01
    forged_leaf = base64.b64encode(bytes(leaf_der)).decode()
    assert code_of(lambda: verifier.verify(forged_leaf, [sub.root.pem], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED


def test_garbage_is_untrusted():
    verifier = CertificateVerifier([CaFactory().root.certificate])
    for garbage in ("", "hello", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"):
        assert code_of(lambda g=garbage: verifier.verify(g, [], NOW)) == ErrorCode.CERTIFICATE_UNTRUSTED


def test_credit_code_sources():
    ca = CaFactory()
    assert credit_code_of(ca.issue(how="serial").certificate) == CREDIT_CODE
    assert credit_code_of(ca.issue(f"湖北测试科技有限公司({CREDIT_CODE})", credit_code=None).certificate) == CREDIT_CODE
    assert credit_code_of(ca.issue(f"湖北测试（{CREDIT_CODE}）", credit_code=None).certificate) == CREDIT_CODE
    assert credit_code_of(ca.issue(credit_code=None).certificate) is None
    assert credit_code_of(ca.issue(credit_code="NTRCN-" + CREDIT_CODE).certificate) == CREDIT_CODE
    assert credit_code_of(ca.issue(credit_code="12345").certificate) is None


def settings_of(tmp_path, **values) -> Settings:
    return Settings.from_env({}, data_dir=tmp_path / "data", **values)


def test_settings_from_the_environment(tmp_path):
    ca = CaFactory()
    leaf, revoked = ca.issue(), ca.issue()
    with pytest.raises(DomainError) as caught:
        verifier_from_settings(settings_of(tmp_path))
    assert caught.value.code == ErrorCode.VERIFIER_UNAVAILABLE
    ca.write_root(tmp_path / "roots")
    crl = write_crl(ca.crl(revoked.certificate), tmp_path / "root.crl")
    env = {"UIDP_CA_TRUST_DIR": str(tmp_path / "roots"), "UIDP_CA_CRL_FILES": f"{crl},{tmp_path / 'missing.crl'}"}
    verifier = verifier_from_settings(Settings.from_env(env, data_dir=tmp_path / "data"))
    verifier.verify(leaf.pem, [], NOW)
    assert code_of(lambda: verifier.verify(revoked.pem, [], NOW)) == ErrorCode.CERTIFICATE_REVOKED
    assert not verifier.require_revocation  # dev default


def test_revocation_is_required_in_production_and_optional_in_dev(tmp_path):
    keys = production_keys()
    production = settings_of(tmp_path, profile="production", database_url="postgres://x/y", **keys)
    assert production.revocation_required
    with pytest.raises(ConfigError, match="UIDP_CA_REQUIRE_REVOCATION"):
        settings_of(tmp_path, profile="production", database_url="postgres://x/y", ca_require_revocation=False, **keys)
    assert not settings_of(tmp_path).revocation_required
    assert settings_of(tmp_path, ca_require_revocation=True).revocation_required
    with pytest.raises(ConfigError, match="UIDP_CA_POLICY_OIDS"):
        settings_of(tmp_path, ca_policy_oids="1.2.3,client-auth")


def test_without_a_current_crl_for_every_issuer_nothing_verifies(ca):
    sub = ca.intermediate()
    leaf = sub.issue()
    chain = [sub.root.pem]
    other = CaFactory(kind=ca.kind, label=sub.label)  # same name as the intermediate, other key

    def code_with(*crls) -> ErrorCode:
        verifier = CertificateVerifier([ca.root.certificate], crls, require_revocation=True)
        return code_of(lambda: verifier.verify(leaf.pem, chain, NOW))

    unknown = ErrorCode.CERTIFICATE_REVOCATION_UNKNOWN
    assert code_with() == unknown
    assert code_with(sub.crl()) == unknown  # the root's CRL (about the intermediate) is missing
    assert code_with(ca.crl()) == unknown  # the intermediate's is missing
    stale = sub.crl(last_update=NOW - timedelta(days=8), next_update=NOW - timedelta(seconds=1))
    assert code_with(ca.crl(), stale) == unknown
    early = sub.crl(last_update=NOW + timedelta(hours=1), next_update=NOW + timedelta(days=7))
    assert code_with(ca.crl(), early) == unknown
    assert code_with(ca.crl(), other.crl()) == unknown  # a CRL the intermediate did not sign counts for nothing
    current = CertificateVerifier([ca.root.certificate], [ca.crl(), sub.crl()], require_revocation=True)
    _, verified = current.verify(leaf.pem, chain, NOW)
    assert verified.credit_code == CREDIT_CODE
    # a stale CRL still revokes what it lists
    revoked_in_stale = sub.crl(leaf.certificate, last_update=NOW - timedelta(days=8), next_update=NOW - timedelta(1))
    assert code_with(ca.crl(), revoked_in_stale) == ErrorCode.CERTIFICATE_REVOKED


@pytest.mark.parametrize("kind", ["rsa1024", "secp256k1", "ed25519"])
def test_weak_or_unlisted_keys_are_refused(kind):
    ca = CaFactory(kind="rsa")
    leaf = ca.issue(kind=kind)
    verifier = CertificateVerifier([ca.root.certificate])
    assert code_of(lambda: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_KEY_WEAK


def test_keys_on_the_allow_list_and_weak_issuers():
    for kind in ("ec", "p384"):
        ca = CaFactory(kind=kind)
        CertificateVerifier([ca.root.certificate]).verify(ca.issue().pem, [], NOW)
    weak_root = CaFactory(kind="rsa1024")
    leaf = weak_root.issue(kind="rsa")
    verifier = CertificateVerifier([weak_root.root.certificate])
    assert code_of(lambda: verifier.verify(leaf.pem, [], NOW)) == ErrorCode.CERTIFICATE_KEY_WEAK


def test_the_certificate_must_be_for_client_authentication(ca):
    verifier = CertificateVerifier([ca.root.certificate])
    usage = ErrorCode.CERTIFICATE_USAGE_INVALID
    server_only = ca.issue(purposes=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]))
    assert code_of(lambda: verifier.verify(server_only.pem, [], NOW)) == usage
    both = ca.issue(purposes=x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]))
    verifier.verify(both.pem, [], NOW)
    unstated = ca.issue(purposes=None, policies=("1.2.156.99999.1.1",))
    assert code_of(lambda: verifier.verify(unstated.pem, [], NOW)) == usage  # no policy configured
    trusting = CertificateVerifier([ca.root.certificate], policy_oids=["1.2.156.99999.1.1"])
    trusting.verify(unstated.pem, [], NOW)
    other_policy = ca.issue(purposes=None, policies=("1.2.156.99999.1.2",))
    assert code_of(lambda: trusting.verify(other_policy.pem, [], NOW)) == usage
    # an extendedKeyUsage without client authentication is refused even with the configured policy
    email = x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION])
    signed_mail = ca.issue(purposes=email, policies=("1.2.156.99999.1.1",))
    assert code_of(lambda: trusting.verify(signed_mail.pem, [], NOW)) == usage


def test_person_number_sources():
    ca = CaFactory(kind="ec")
    assert person_number_of(ca.issue_person().certificate) == PERSON_NUMBER  # serialNumber IDCCN-...
    assert person_number_of(ca.issue_person(how="serial").certificate) == PERSON_NUMBER
    assert person_number_of(ca.issue_person("42010219900101121x").certificate) == "42010219900101121X"
    assert person_number_of(ca.issue(f"张三({PERSON_NUMBER})", credit_code=None).certificate) == PERSON_NUMBER
    assert person_number_of(ca.issue("张三", credit_code=None).certificate) is None
    _, verified = CertificateVerifier([ca.root.certificate]).verify(ca.issue_person().pem, [], NOW)
    assert verified.person_number == PERSON_NUMBER


@pytest.mark.anyio
async def test_the_login_method_asserts_the_fingerprint():
    ca = CaFactory(kind="ec")
    leaf = ca.issue()
    method = CertificateLogin(verifier=CertificateVerifier([ca.root.certificate]))
    params = {
        "certificate": leaf.pem,
        "chain": "[]",
        "challenge": CHALLENGE,
        "signature": leaf.sign(CHALLENGE),
        "at": NOW.isoformat(),
    }
    assertion = await method.complete(LoginRequest(params))
    assert assertion.provider == "ca" and len(assertion.subject) == 64
    assert assertion.claims["credit_code"] == CREDIT_CODE
    with pytest.raises(LoginFailure):
        await method.complete(LoginRequest({**params, "chain": json.dumps({"a": 1})}))
    with pytest.raises(DomainError):
        await method.complete(LoginRequest({**params, "signature": ca.issue().sign(CHALLENGE)}))


def test_the_cli_makes_a_demo_certificate_and_signs_like_a_usb_key(tmp_path, capsys, monkeypatch):
    from datetime import UTC, datetime

    from uidp.cli import main

    monkeypatch.delenv("UIDP_PROFILE", raising=False)
    main(["ca", "demo-cert", "--out", str(tmp_path), "--credit-code", CREDIT_CODE])
    assert "UIDP_CA_TRUST_DIR=" in capsys.readouterr().out
    main(["ca", "sign", "--key", str(tmp_path / "entity.key.pem"), "--challenge", CHALLENGE])
    signature = capsys.readouterr().out.strip()
    verifier = verifier_from_settings(settings_of(tmp_path, ca_trust_dir=str(tmp_path / "roots")))
    leaf, verified = verifier.verify((tmp_path / "entity.pem").read_text(), [], datetime.now(UTC))
    assert verified.credit_code == CREDIT_CODE
    verifier.verify_possession(leaf, CHALLENGE, signature)
    with pytest.raises(DomainError):
        verifier.verify_possession(leaf, CHALLENGE + "x", signature)


def test_demo_cert_is_refused_in_production(tmp_path, monkeypatch):
    from uidp.cli import main

    monkeypatch.setenv("UIDP_PROFILE", "production")
    with pytest.raises(SystemExit):
        main(["ca", "demo-cert", "--out", str(tmp_path), "--credit-code", CREDIT_CODE])
    assert not (tmp_path / "entity.pem").exists()


def test_sm2_signatures_are_range_checked():
    from uidp.security import sm2

    key = sm2.new_private_key()
    point = sm2.public_point(key)
    good = sm2.sign(key, b"data")
    r, s = sm2.split_signature(good)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    assert sm2.verify(point, good, b"data") and sm2.verify(point, raw, b"data")
    assert not sm2.verify(point, good, b"datb")
    for bad_r, bad_s in ((0, s), (r, 0), (sm2.N, s), (r, sm2.N + s)):
        forged = bad_r.to_bytes(33, "big")[-32:] + (bad_s % (1 << 256)).to_bytes(32, "big")
        assert not sm2.verify(point, forged, b"data")
    off_curve = point[:63] + bytes([point[63] ^ 1])
    assert not sm2.on_curve(off_curve) and not sm2.verify(off_curve, good, b"data")
    assert sm2.split_signature(b"\x30\x03\x02\x01") is None


def test_an_sm2_possession_proof_signed_as_raw_r_s():
    from uidp.security import sm2

    ca = CaFactory(kind="sm2")
    leaf = ca.issue()
    verifier = CertificateVerifier([ca.root.certificate])
    certificate, _ = verifier.verify(leaf.pem, [], NOW)
    r, s = sm2.split_signature(leaf.key.sign(CHALLENGE.encode()))
    raw = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    verifier.verify_possession(certificate, CHALLENGE, raw)
    # an ECDSA root does not anchor an SM2-signed certificate with the same issuer name
    other = CaFactory(kind="ec", label=ca.label)
    assert code_of(lambda: CertificateVerifier([other.root.certificate]).verify(leaf.pem, [], NOW)) == (
        ErrorCode.CERTIFICATE_UNTRUSTED
    )


def _openssl(*args: str, cwd) -> None:
    import subprocess

    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


SM3_ID = ("-sm3", "-sigopt", "distid:1234567812345678")


def test_sm2_interoperates_with_openssl(tmp_path, capsys):
    """An SM2 chain and signatures made by OpenSSL 3 (an independent implementation) verify here, and
    ``uidp ca sign --sm2`` produces what we accept."""
    import shutil
    import subprocess
    from datetime import UTC, datetime

    from cryptography import x509

    from uidp.cli import main

    if (
        shutil.which("openssl") is None
        or subprocess.run(
            ["openssl", "genpkey", "-algorithm", "SM2", "-out", str(tmp_path / "probe.key")], capture_output=True
        ).returncode
    ):
        pytest.skip("openssl with SM2 is not available")
    for name in ("root", "leaf"):
        _openssl("genpkey", "-algorithm", "SM2", "-out", f"{name}.key", cwd=tmp_path)
    _openssl("req", "-x509", "-new", "-key", "root.key", *SM3_ID, "-subj", "/CN=SM2 Root", "-days", "30",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-addext", "basicConstraints=critical,CA:true",
             "-out", "root.pem", cwd=tmp_path)  # fmt: skip
    _openssl("req", "-new", "-key", "leaf.key", *SM3_ID, "-subj", f"/CN=湖北测试({CREDIT_CODE})", "-utf8",
             "-out", "leaf.csr", cwd=tmp_path)  # fmt: skip
    (tmp_path / "ext.cnf").write_text(
        "keyUsage=critical,digitalSignature\nbasicConstraints=critical,CA:false\nextendedKeyUsage=clientAuth\n"
    )
    _openssl("x509", "-req", "-in", "leaf.csr", "-CA", "root.pem", "-CAkey", "root.key", "-CAcreateserial",
             *SM3_ID, "-vfyopt", "distid:1234567812345678", "-days", "10", "-extfile", "ext.cnf",
             "-out", "leaf.pem", cwd=tmp_path)  # fmt: skip
    root = x509.load_pem_x509_certificate((tmp_path / "root.pem").read_bytes())
    verifier = CertificateVerifier([root])
    leaf, verified = verifier.verify((tmp_path / "leaf.pem").read_text(), [], datetime.now(UTC))
    assert verified.credit_code == CREDIT_CODE
    (tmp_path / "challenge").write_text(CHALLENGE)
    _openssl("dgst", *SM3_ID, "-sign", "leaf.key", "-out", "sig.der", "challenge", cwd=tmp_path)
    verifier.verify_possession(leaf, CHALLENGE, base64.b64encode((tmp_path / "sig.der").read_bytes()).decode())
    main(["ca", "sign", "--sm2", "--key", str(tmp_path / "leaf.key"), "--challenge", CHALLENGE])
    ours = capsys.readouterr().out.strip()
    verifier.verify_possession(leaf, CHALLENGE, ours)
    assert code_of(lambda: verifier.verify_possession(leaf, CHALLENGE + "x", ours)) == ErrorCode.SIGNATURE_INVALID


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_path_length_ca_end_entities_and_unknown_critical_extensions(kind):
    strict = CaFactory(kind=kind, path_length=0)
    sub = strict.intermediate()
    verifier = CertificateVerifier([strict.root.certificate])
    verifier.verify(strict.issue().pem, [], NOW)  # directly below the root: fine
    assert code_of(lambda: verifier.verify(sub.issue().pem, [sub.root.pem], NOW)) == ErrorCode.CERTIFICATE_USAGE_INVALID
    # a CA certificate (here the root itself) is not an end entity
    assert code_of(lambda: verifier.verify(strict.root.pem, [], NOW)) == ErrorCode.CERTIFICATE_USAGE_INVALID
    odd = strict.issue(odd_critical=True)
    assert code_of(lambda: verifier.verify(odd.pem, [], NOW)) == ErrorCode.CERTIFICATE_USAGE_INVALID
