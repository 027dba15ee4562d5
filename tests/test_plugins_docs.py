"""docs/plugins.md documents every hook, every hook has a docstring, and the worked example runs."""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

from uidp import hookspecs
from uidp.config import Settings
from uidp.plugin_host import PluginHost
from uidp.ports import LoginFailure, LoginRequest, PasswordSubject

pytestmark = pytest.mark.anyio

DOC = Path(__file__).resolve().parent.parent / "docs" / "plugins.md"
HOOKS = sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(fn, "uidp_spec"))


def test_there_are_hooks():
    assert {"register_login_methods", "register_verifiers", "register_routes", "on_event"} <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_heading(hook):
    headings = re.findall(r"^## (\S+)\s*$", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)
    assert hook in headings, f"docs/plugins.md needs a '## {hook}' section"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_has_a_docstring(hook):
    doc = inspect.getdoc(getattr(hookspecs, hook))
    assert doc and len(doc.strip()) > 20, f"uidp.hookspecs.{hook} needs a docstring"


def test_the_docs_name_the_loading_mechanisms():
    text = DOC.read_text(encoding="utf-8")
    for needle in ("DEFAULT_PLUGINS", "UIDP_PLUGINS", "UIDP_DISABLED_PLUGINS", "[project.entry-points.uidp]"):
        assert needle in text, needle
    for name in ("LoginMethod", "Assertion", "LoginPorts", "LoginFailure", "SmsGateway", "UIDP_ALLOW_SANDBOX"):
        assert name in text, name


@pytest.fixture
def kiosk(tmp_path, monkeypatch):
    """The worked example's plugin module, written from the docs into a temporary folder and imported."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    source = next(b for b in blocks if b.startswith("# file: uidp_kiosk/__init__.py"))
    (tmp_path / "uidp_kiosk").mkdir()
    (tmp_path / "uidp_kiosk" / "__init__.py").write_text(source, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module("uidp_kiosk")
    finally:
        sys.modules.pop("uidp_kiosk", None)


class FakePorts:
    async def find_password_subject(self, identifier: str) -> PasswordSubject | None:
        return PasswordSubject("person", "p-1", None) if identifier == "15012340058" else None

    async def verify_password(self, password: str, password_hash: str | None) -> bool:
        return False


async def test_the_worked_example_registers_and_authenticates(kiosk, tmp_path):
    host = PluginHost(Settings.from_env({}, data_dir=tmp_path / "data"), extra_plugins=[kiosk])
    method = host.login_method("kiosk")
    assert method is not None
    assert (method.label, method.sandbox) == ("自助终端登录", True)
    assert "login:kiosk" in host.sandbox_parts()
    assertion = await method.complete(LoginRequest({"code": "K-1234"}), FakePorts())
    assert (assertion.provider, assertion.subject, assertion.subject_kind) == ("kiosk", "p-1", "person")
    with pytest.raises(LoginFailure):
        await method.complete(LoginRequest({"code": "K-1234"}), FakePorts())  # single use
