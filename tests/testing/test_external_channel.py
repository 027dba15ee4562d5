"""Issue 10 item 7: an example channel built as its own distribution, installed with pip, used end to end.

The distribution (pyproject with an entry point in group ``uidp``, the module ``uidp_example_channel``, its
own conformance test) is written into a temporary folder and installed with ``pip install --no-deps
--no-build-isolation --no-index`` (no network) into an environment layered over the test environment: a fresh
venv whose ``.pth`` adds the test venv's site-packages, so it has every package of the test environment and
pip installs into and uninstalls from it alone (the landing runs two suites at once on one venv; a
distribution installed there would show up in the other run's plugin hosts). Then a real ``uidp serve`` of
that environment logs a person in through the channel over HTTP, the distribution's own conformance test
passes with pytest there, and after ``pip uninstall`` the channel is gone.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.serving import serving
from uidp.testing import LoginMethodConformance

HERE = Path(__file__).resolve().parent / "example_channel"
DOCS = Path(__file__).resolve().parent.parent.parent / "docs" / "plugins.md"
DISTRIBUTION = "uidp-example-channel"
KEY = b"example-partner-shared-key-32byt"  # the same key as example_channel/conformance_example.py
PASSWORD = "Seed#2026pw"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=70.1"]
build-backend = "setuptools.build_meta"

[project]
name = "uidp-example-channel"
version = "0.1.0"
description = "An example uidp login channel: a partner that signs a token for the login's state"
requires-python = ">=3.11"
dependencies = ["uidp"]

[project.entry-points.uidp]
example = "uidp_example_channel"

[tool.setuptools]
py-modules = ["uidp_example_channel"]
"""

START = """mutation($i: StartLoginInput!) { startLogin(input: $i) { __typename
  ... on LoginRedirect { url state } ... on Error { code } } }"""
COMPLETE = """mutation($i: CompleteLoginInput!) { completeLogin(input: $i) { __typename
  ... on LoginSuccess { token } ... on BindingRequired { ticket provider } ... on Error { code } } }"""
BIND = """mutation($i: CompleteBindingInput!) { completeBinding(input: $i) { __typename
  ... on LoginSuccess { token } ... on Error { code } } }"""
ME = "{ me { __typename } }"


@dataclass
class Environment:
    python: Path
    folder: Path

    def run(self, *args: str, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(self.python), *args], capture_output=True, text=True, timeout=240, env=env or clean_env()
        )
        if check:
            assert done.returncode == 0, f"{args} exited {done.returncode}: {done.stdout[-2000:]} {done.stderr[-2000:]}"
        return done

    def uidp(self, data_dir: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "uidp.cli", *args, env=server_env(data_dir), check=check)


def clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("UIDP_", "PYTHON", "VIRTUAL_ENV"))}


def server_env(data_dir: Path) -> dict[str, str]:
    return clean_env() | {
        "UIDP_DATA_DIR": str(data_dir),
        "UIDP_BCRYPT_ROUNDS": "4",
        "UIDP_EXAMPLE_KEY": base64.b64encode(KEY).decode(),
    }


def write_distribution(folder: Path) -> Path:
    """The integrator's project: pyproject, the module, its conformance test."""
    project = folder / "uidp-example-channel"
    (project / "tests").mkdir(parents=True)
    (project / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    shutil.copyfile(HERE / "uidp_example_channel.py", project / "uidp_example_channel.py")
    shutil.copyfile(HERE / "conformance_example.py", project / "tests" / "test_conformance.py")
    return project


def layered_venv(folder: Path) -> Path:
    """A venv with the test environment's packages (its site-packages added by a .pth) and room of its own."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / "bin" / "python"
    own = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    parent = sysconfig.get_paths()["purelib"]
    (Path(own) / "_uidp_test_environment.pth").write_text(f"import site; site.addsitedir({parent!r})\n")
    return python


def installed(env: Environment) -> bool:
    return env.run("-m", "pip", "show", "--quiet", DISTRIBUTION, check=False).returncode == 0


@pytest.fixture(scope="module")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Environment]:
    folder = tmp_path_factory.mktemp("external")
    env = Environment(layered_venv(folder / "venv"), folder)
    project = write_distribution(folder)
    try:
        env.run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", str(project))
        yield env
    finally:
        if installed(env):
            env.run("-m", "pip", "uninstall", "--yes", "--quiet", DISTRIBUTION, check=False)


def gql(browser: httpx.Client, query: str, variables: dict[str, object] | None = None, **headers: str) -> dict:
    response = browser.post("/graphql", json={"query": query, "variables": variables or {}}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return next(iter(body["data"].values()))


def source_module() -> Any:
    """The example's source, loaded from its file here (the installed copy lives in the other environment)."""
    spec = importlib.util.spec_from_file_location("example_channel_source", HERE / "uidp_example_channel.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def partner_token(env: Environment, data_dir: Path, state: str, subject: str = "partner-user-7") -> str:
    """The partner's answer: the first one through the channel's own dev command (its register_commands hook,
    as installed), the others signed here with the same code, which is quicker than a process each."""
    if not partner_token.__dict__.setdefault("used_command", False):
        partner_token.used_command = True  # type: ignore[attr-defined]
        return env.uidp(data_dir, "example-token", "--subject", subject, "--state", state).stdout.strip()
    return str(source_module().make_token(KEY, subject, state, time.time()))


def login_through_the_channel(env: Environment, data_dir: Path, browser: httpx.Client) -> tuple[str, dict]:
    started = gql(browser, START, {"i": {"method": "example"}})
    assert started["__typename"] == "LoginRedirect", started
    assert started["url"] == f"https://partner.example/authorize?client=uidp&state={started['state']}"
    token = partner_token(env, data_dir, started["state"])
    params = [{"name": "token", "value": token}]
    answer = gql(browser, COMPLETE, {"i": {"method": "example", "state": started["state"], "params": params}})
    return started["state"], answer


def test_the_installed_channel_logs_a_person_in_end_to_end(environment, tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    environment.uidp(data_dir, "migrate")
    phone = environment.uidp(data_dir, "seed-persons", "--count", "1", "--password", PASSWORD).stdout.split()[0]
    key = {"UIDP_EXAMPLE_KEY": base64.b64encode(KEY).decode()}
    monkeypatch.setattr(sys, "executable", str(environment.python))  # tests.serving starts this interpreter
    with (
        serving(data_dir, env=key) as served,
        httpx.Client(base_url=served.base, timeout=30) as browser,
    ):
        offered = {m["id"]: m for m in gql(browser, "{ loginMethods { id label sandbox starts } }")}
        assert offered["example"] == {"id": "example", "label": "示例渠道登录", "sandbox": False, "starts": True}

        # the partner user proves nothing about our account: a wrong password spends the ticket, binds nothing
        _, first = login_through_the_channel(environment, data_dir, browser)
        assert first["__typename"] == "BindingRequired" and first["provider"] == "example", first
        guess = gql(browser, BIND, {"i": {"ticket": first["ticket"], "identifier": phone, "password": "Guess#2026pw"}})
        assert guess["__typename"] == "LoginFailed", guess
        spent = gql(browser, BIND, {"i": {"ticket": first["ticket"], "identifier": phone, "password": PASSWORD}})
        assert spent.get("code") == "BINDING_TICKET_INVALID", spent

        state, second = login_through_the_channel(environment, data_dir, browser)
        assert second["__typename"] == "BindingRequired", second  # still bound to no one
        bound = gql(browser, BIND, {"i": {"ticket": second["ticket"], "identifier": phone, "password": PASSWORD}})
        assert bound["__typename"] == "LoginSuccess", bound
        assert gql(browser, ME, authorization=f"Bearer {bound['token']}")["__typename"] == "PersonAccount"

        params = [{"name": "token", "value": partner_token(environment, data_dir, state)}]
        replayed = gql(browser, COMPLETE, {"i": {"method": "example", "state": state, "params": params}})
        assert replayed.get("code") == "LOGIN_STATE_INVALID", replayed

        _, again = login_through_the_channel(environment, data_dir, browser)
        assert again["__typename"] == "LoginSuccess", again  # the binding is followed now

        dashed = gql(browser, START, {"i": {"method": "example"}})["state"]
        dashed = "-" + dashed[1:]  # a base64url state starts with "-" about one time in 64: the command takes it
        token = environment.uidp(data_dir, "example-token", "--subject", "partner-user-7", "--state", dashed)
        claims = source_module().ExampleLogin(KEY)._verified(token.stdout.strip())
        assert (claims["sub"], claims["state"]) == ("partner-user-7", dashed), claims

        forged = [{"name": "token", "value": partner_token(environment, data_dir, "a-state-of-someone-else")}]
        other = gql(browser, START, {"i": {"method": "example"}})
        refused = gql(browser, COMPLETE, {"i": {"method": "example", "state": other["state"], "params": forged}})
        assert refused["__typename"] == "LoginFailed", refused

        notice = json.dumps({"id": "n-7", "event": "user.updated", "at": time.time()}).encode()
        signature = hmac.new(KEY, notice, hashlib.sha256).hexdigest()
        headers = {"x-example-signature": signature, "content-type": "application/json"}
        assert browser.post("/plugins/example/notify", content=notice, headers=headers).status_code == 200
        assert browser.post("/plugins/example/notify", content=notice, headers=headers).status_code == 409
        bad = {**headers, "x-example-signature": "0" * 64}
        assert browser.post("/plugins/example/notify", content=notice, headers=bad).status_code == 401


def test_the_installed_channel_passes_the_conformance_suite(environment):
    project = environment.folder / "uidp-example-channel"
    done = environment.run("-m", "pytest", str(project / "tests"), "-q", "-p", "no:cacheprovider", check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    checks = [name for name in dir(LoginMethodConformance) if name.startswith("test_")]
    summary = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(rf"{len(checks)} passed in [\d.]+s", summary), summary  # every check ran, none skipped


def test_uninstalled_the_channel_is_gone(environment, tmp_path):
    environment.run("-m", "pip", "uninstall", "--yes", "--quiet", DISTRIBUTION)
    assert not installed(environment)
    listed = environment.run(
        "-c",
        "from uidp.config import Settings; from uidp.plugin_host import PluginHost; import tempfile, pathlib;"
        "h = PluginHost(Settings.from_env({}, data_dir=pathlib.Path(tempfile.mkdtemp())));"
        "print(sorted(m.id for m in h.login_methods()), h.plugin_names())",
    ).stdout
    assert "'password'" in listed and "example" not in listed, listed
    gone = environment.run("-c", "import uidp_example_channel", check=False)
    assert gone.returncode != 0 and "ModuleNotFoundError" in gone.stderr
    command = environment.uidp(tmp_path / "data", "example-token", "--subject", "x", "--state", "y", check=False)
    assert command.returncode != 0 and "invalid choice" in command.stderr


def test_the_walkthrough_shows_this_pyproject():
    assert "```toml\n" + PYPROJECT + "```" in DOCS.read_text(encoding="utf-8")
