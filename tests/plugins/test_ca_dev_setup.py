"""On the dev profile `uidp ca demo-cert` writes a root that plugins.ca trusts without further setup."""

from __future__ import annotations

import pytest

from plugins.ca import verifier_from_env
from uidp.cli import main
from uidp.config import Settings
from uidp.domain.errors import DomainError, ErrorCode
from uidp.plugin_host import PluginHost


def test_demo_root_is_trusted_on_dev(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("UIDP_CA_TRUST_DIR", raising=False)
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    main(["ca", "demo-cert", "--credit-code", "91420100MA4KXXXX1A"])
    assert "demo-root.pem" in capsys.readouterr().out
    settings = Settings.from_env({}, data_dir=tmp_path / "data")
    method = PluginHost(settings).login_methods["ca"]
    assert method._default_trust_dir == tmp_path / "data" / "ca" / "roots"
    assert verifier_from_env({}, default_trust_dir=method._default_trust_dir) is not None
    with pytest.raises(DomainError) as nothing:
        verifier_from_env({}, default_trust_dir=tmp_path / "elsewhere")
    assert nothing.value.code == ErrorCode.VERIFIER_UNAVAILABLE


def test_listing_a_default_plugin_again_is_harmless(tmp_path):
    host = PluginHost(Settings.from_env({}, data_dir=tmp_path, plugins="plugins.ca"))
    assert "ca" in host.login_methods
