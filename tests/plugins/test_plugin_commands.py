"""Plugins add `uidp` commands through register_commands; `uidp ca sign` takes a challenge that starts with '-'."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from tests.plugins.ca_factory import CREDIT_CODE
from uidp.cli import main
from uidp.commands import CommandParser, PluginCommands
from uidp.plugin_api import PluginError

DASHED = "-Xq3_dash-first-base64url-challenge"  # what base64url gives about once in 64


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    monkeypatch.delenv("UIDP_PROFILE", raising=False)
    main(["ca", "demo-cert", "--out", str(tmp_path), "--credit-code", CREDIT_CODE])
    capsys.readouterr()
    return tmp_path


def signs(folder: Path, challenge: str, signature_b64: str) -> bool:
    import base64

    certificate = x509.load_pem_x509_certificate((folder / "entity.pem").read_bytes())
    key = certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    try:
        key.verify(base64.b64decode(signature_b64), challenge.encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


@pytest.mark.parametrize(
    "form",
    [
        ["--key", "{key}", "{c}"],
        ["{c}", "--key", "{key}"],
        ["--key", "{key}", "--challenge", "{c}"],
        ["--key", "{key}", "--challenge={c}"],
        ["--key", "{key}", "--", "{c}"],
    ],
)
@pytest.mark.parametrize("challenge", [DASHED, "--" + DASHED[1:], "plain_challenge-123"])
def test_ca_sign_takes_every_challenge_in_every_form(demo, capsys, form, challenge):
    key = str(demo / "entity.key.pem")
    main(["ca", "sign", *[part.format(key=key, c=challenge) for part in form]])
    assert signs(demo, challenge, capsys.readouterr().out.strip())


def test_ca_sign_wants_the_challenge_once(demo):
    key = str(demo / "entity.key.pem")
    with pytest.raises(SystemExit, match="give the challenge once"):
        main(["ca", "sign", "--key", key])
    with pytest.raises(SystemExit, match="give the challenge once"):
        main(["ca", "sign", "--key", key, "one", "--challenge", "two"])
    with pytest.raises(SystemExit):
        main(["ca", "sign", DASHED])  # --key is still required, and -Xq3... is not taken for an option


def test_other_commands_still_refuse_unknown_options(capsys):
    with pytest.raises(SystemExit):
        main(["settings", "-x"])
    assert "unrecognized arguments: -x" in capsys.readouterr().err


PLUGIN = """
from uidp.plugin_api import hookimpl


@hookimpl
def register_commands(cli):
    def hello(args):
        print("hello", args.who, cli.settings().profile)

    cli.add_command("hello", help="say hello", run=hello).add_argument("who")
"""


@pytest.fixture
def plugin_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "uidp_test_commands.py").write_text(PLUGIN, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    monkeypatch.setenv("UIDP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("UIDP_PROFILE", raising=False)
    yield "uidp_test_commands"
    sys.modules.pop("uidp_test_commands", None)


def test_a_plugin_named_in_uidp_plugins_adds_a_command(plugin_module, monkeypatch, capsys):
    monkeypatch.setenv("UIDP_PLUGINS", plugin_module)
    main(["hello", "world"])
    assert capsys.readouterr().out.strip() == "hello world dev"


def test_a_disabled_plugin_brings_no_commands(monkeypatch, capsys):
    monkeypatch.setenv("UIDP_DISABLED_PLUGINS", "plugins.sandbox,plugins.ca")
    with pytest.raises(SystemExit):
        main(["sms-outbox"])
    with pytest.raises(SystemExit):
        main(["ca", "sign", "--key", "k", "c"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_plugin_that_cannot_load_stops_the_command_with_one_line(monkeypatch):
    monkeypatch.setenv("UIDP_PLUGINS", "uidp_test_no_such_plugin")
    with pytest.raises(SystemExit, match=r"a plugin cannot be loaded .*UIDP_DISABLED_PLUGINS"):
        main(["settings"])


def test_a_taken_command_name_is_refused():
    parser = CommandParser(prog="uidp")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("serve")
    cli = PluginCommands(sub, lambda: pytest.fail("settings are not read while commands are added"))
    with pytest.raises(PluginError, match="'uidp serve' is registered twice"):
        cli.add_command("serve", help="x", run=print)
    group = cli.add_group("acme", help="acme tools")
    group.add_command("sync", help="x", run=print)
    with pytest.raises(PluginError, match="'uidp acme sync' is registered twice"):
        group.add_command("sync", help="x", run=print)
    with pytest.raises(PluginError, match="'uidp acme' is registered twice"):
        cli.add_group("acme", help="again")
