"""CA revocation fails closed in production (docs/decisions.md #38): over HTTP on the production profile, binding
and login need a current CRL, signed by its issuer, for every issuer on the certificate's path."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.graph.ca_api import bind, ca_settings, login, session_of
from tests.plugins.ca_factory import NOW, CaFactory, make_entity, write_crl
from tests.support import production_keys
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity

pytestmark = pytest.mark.anyio

UNKNOWN = {
    "__typename": "FieldError",
    "code": "CERTIFICATE_REVOCATION_UNKNOWN",
    "message": "暂时无法确认证书是否已被吊销，请稍后再试",
    "field": "certificate",
}


@pytest.fixture(params=["ec", "sm2"])
def ca(request) -> CaFactory:
    return CaFactory(kind=request.param)


@pytest.fixture
def settings(make_settings, tmp_path, ca):
    crl_files = f"{tmp_path / 'sub.crl'},{tmp_path / 'root.crl'}"  # written by the test; a missing file is no CRL
    # the sandbox SMS outbox delivers the binding code
    production = {"profile": "production", "allow_sandbox": True, "bcrypt_rounds": 12, **production_keys()}
    settings = ca_settings(make_settings, tmp_path, ca, ca_crl_files=crl_files, **production)
    assert settings.revocation_required
    return settings


async def test_no_current_crl_no_binding_and_no_login(api, rt, ca, tmp_path, clock):
    entity = await make_entity(rt)
    token = await session_of(rt, "entity", entity.id)
    sub = ca.intermediate()
    leaf = sub.issue()
    chain = (sub.root.pem,)
    assert await bind(api, token, leaf, chain=chain) == UNKNOWN  # no CRL at all
    write_crl(sub.crl(), tmp_path / "sub.crl")
    assert await bind(api, token, leaf, chain=chain) == UNKNOWN  # the root's CRL (about the intermediate) is missing
    write_crl(ca.crl(signing_key=CaFactory(kind=ca.kind).root.key), tmp_path / "root.crl")
    assert await bind(api, token, leaf, chain=chain) == UNKNOWN  # a root CRL the root did not sign
    assert await CertificateBinding.all().count() == 0 and (await Entity.get(id=entity.id)).level == 2

    write_crl(ca.crl(), tmp_path / "root.crl")
    bound = await bind(api, token, leaf, chain=chain)
    assert bound["__typename"] == "CertificateBound", bound
    assert (await login(api, leaf, chain=chain))["__typename"] == "LoginSuccess"

    clock.set(NOW + timedelta(days=7, seconds=1))  # both CRLs are past their nextUpdate
    assert await login(api, leaf, chain=chain) == UNKNOWN
    write_crl(sub.crl(last_update=NOW + timedelta(days=7), next_update=NOW + timedelta(days=14)), tmp_path / "sub.crl")
    write_crl(ca.crl(last_update=NOW + timedelta(days=7), next_update=NOW + timedelta(days=14)), tmp_path / "root.crl")
    assert (await login(api, leaf, chain=chain))["__typename"] == "LoginSuccess"  # refreshed files, no restart
    write_crl(sub.crl(leaf.certificate, next_update=NOW + timedelta(days=14)), tmp_path / "sub.crl")
    assert (await login(api, leaf, chain=chain))["code"] == "CERTIFICATE_REVOKED"
