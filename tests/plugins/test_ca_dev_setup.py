"""On the dev profile `uidp ca demo-cert` writes a root that plugins.ca trusts without further setup, and a
certificate that binding accepts and that logs in (through HTTP, with `uidp ca sign` playing the USB key)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from plugins.ca import trust_dir_of, verifier_from_settings
from tests.graph.ca_api import PERSON_PHONE, bind, login, session_of
from tests.plugins.ca_factory import CREDIT_CODE, PERSON_NUMBER, Issued, make_entity, make_person
from uidp.cli import main
from uidp.config import Settings
from uidp.domain.errors import DomainError, ErrorCode
from uidp.plugin_host import PluginHost


def test_demo_root_is_trusted_on_dev(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["ca", "demo-cert", "--credit-code", CREDIT_CODE])
    assert "demo-root.pem" in capsys.readouterr().out
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    assert PluginHost(settings).login_method("ca") is not None
    assert trust_dir_of(settings) == tmp_path / "data" / "ca" / "roots"
    assert verifier_from_settings(settings) is not None
    with pytest.raises(DomainError) as nothing:
        verifier_from_settings(Settings.from_env({}, data_dir=tmp_path / "elsewhere"))
    assert nothing.value.code == ErrorCode.VERIFIER_UNAVAILABLE


def test_listing_a_default_plugin_again_is_harmless(tmp_path):
    host = PluginHost(Settings.from_env({}, data_dir=tmp_path, plugins="plugins.ca"))
    assert host.login_method("ca") is not None


class UsbKey(Issued):
    """The demo certificate, signing challenges through `uidp ca sign` as the USB-key client would."""

    def __init__(self, folder: Path, kind: str, capsys) -> None:
        super().__init__(x509.load_pem_x509_certificate((folder / f"{kind}.pem").read_bytes()), None)
        self.key_file, self.capsys = folder / f"{kind}.key.pem", capsys

    def sign(self, challenge: str) -> str:
        self.capsys.readouterr()
        main(["ca", "sign", "--key", str(self.key_file), f"--challenge={challenge}"])  # a challenge may start with "-"
        return self.capsys.readouterr().out.strip()


@pytest.mark.anyio
async def test_the_demo_certificate_binds_and_logs_in_on_dev(api, rt, clock, settings, monkeypatch, capsys):
    assert not settings.is_production and not settings.revocation_required  # dev runs without a CRL
    monkeypatch.setenv("UIDP_DATA_DIR", str(settings.data_dir))
    main(["ca", "demo-cert", "--credit-code", CREDIT_CODE])
    clock.set(datetime.now(UTC))  # the demo certificate is valid from now on
    key = UsbKey(settings.data_dir / "ca", "entity", capsys)
    assert serialization.load_pem_private_key(key.key_file.read_bytes(), None)
    entity = await make_entity(rt, CREDIT_CODE)
    bound = await bind(api, await session_of(rt, "entity", entity.id), key)
    assert bound["__typename"] == "CertificateBound" and bound["level"] == 3, bound
    result = await login(api, key)
    assert result["__typename"] == "LoginSuccess" and result["viewer"]["id"] == str(entity.id), result

    # a person's demo certificate, under the same root: the entity's certificate stays trusted
    main(["ca", "demo-cert", "--id-number", PERSON_NUMBER])
    person_key = UsbKey(settings.data_dir / "ca", "person", capsys)
    person = await make_person(rt)
    bound = await bind(api, await session_of(rt, "person", person.id), person_key, phone=PERSON_PHONE)
    assert bound["__typename"] == "CertificateBound", bound
    viewer = (await login(api, person_key))["viewer"]
    assert viewer == {"__typename": "PersonAccount", "id": str(person.id), "level": "HIGH"}
    assert (await login(api, key))["__typename"] == "LoginSuccess"
