"""An external plugin that registers what another plugin already registered is refused at start, in one line.

Each case is a real ``uidp serve`` child process with an installed entry-point distribution (a dist-info folder
on the child's path, as pip leaves one) and, where two plugins collide, a second module named in UIDP_PLUGINS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.plugins.test_plugin_host import write_distribution

ROOT = Path(__file__).resolve().parent.parent.parent

METHOD = """
from uidp.plugin_api import LoginFailure, hookimpl


class Twin:
    id = {method_id!r}
    label = "twin"
    sandbox = True

    async def complete(self, request, ports):
        raise LoginFailure("twin")


@hookimpl
def register_login_methods(register):
    register(Twin())
"""

ROUTE = """
from starlette.responses import PlainTextResponse
from uidp.plugin_api import hookimpl


async def ping(request):
    return PlainTextResponse("pong")


@hookimpl
def register_routes(register):
    register({path!r}, ping, methods=["POST"])
"""

GATEWAY = """
from uidp.plugin_api import VerifierKind, hookimpl


class Gateway:
    id = {verifier_id!r}
    sandbox = False

    async def send(self, phone, text, *, purpose):
        return None


@hookimpl
def register_verifiers(register):
    register(VerifierKind.SMS_GATEWAY, Gateway())
"""

COMMAND = """
from uidp.plugin_api import hookimpl


@hookimpl
def register_commands(cli):
    cli.add_command("serve", help="mine", run=lambda args: None)
"""

CASES = {
    "a built-in login method id": (
        METHOD.format(method_id="password"), None,
        "uidp: cannot start: login method 'password' is registered twice: by twin, then by plugins.password; "
        "ids are unique (leave one plugin out with UIDP_DISABLED_PLUGINS)",
    ),
    "another plugin's login method id": (
        METHOD.format(method_id="kiosk"), METHOD.format(method_id="kiosk"),
        "uidp: cannot start: login method 'kiosk' is registered twice: by twin, then by uidp_test_other; "
        "ids are unique (leave one plugin out with UIDP_DISABLED_PLUGINS)",
    ),
    "another plugin's route": (
        ROUTE.format(path="/plugins/acme/{ticket}"), ROUTE.format(path="/plugins/acme/{id}"),
        "uidp: cannot start: plugin route '/plugins/acme/{id}' is registered twice: '/plugins/acme/{ticket}' by "
        "twin, then by uidp_test_other; paths are unique (leave one plugin out with UIDP_DISABLED_PLUGINS)",
    ),
    "a second real verifier of a kind": (
        GATEWAY.format(verifier_id="twin-sms"), GATEWAY.format(verifier_id="other-sms"),
        "uidp: cannot start: a second sms_gateway was registered: 'other-sms' by uidp_test_other, after 'twin-sms' "
        "by twin; disable one of them (UIDP_DISABLED_PLUGINS)",
    ),
    "a core command's name": (
        COMMAND, None,
        "uidp: a plugin cannot be loaded (the command 'uidp serve' is registered twice); leave it out with "
        "UIDP_DISABLED_PLUGINS",
    ),
}  # fmt: skip


def serve(site: Path, data_dir: Path, plugins: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UIDP_")}
    env |= {
        "UIDP_DATA_DIR": str(data_dir),
        "UIDP_PLUGINS": plugins,
        "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)]),
    }
    code = "from uidp.cli import main; main(['serve', '--no-migrate', '--port', '9'])"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_second_registration_is_refused_at_start_in_one_line(tmp_path, case):
    twin, other, reason = CASES[case]
    site = tmp_path / "site"
    site.mkdir()
    write_distribution(site, "uidp_test_twin", twin, "twin")  # an installed distribution, entry point "twin"
    if other is not None:
        (site / "uidp_test_other.py").write_text(other, encoding="utf-8")
    done = serve(site, tmp_path / "data", "uidp_test_other" if other else "")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == reason, done.stderr
