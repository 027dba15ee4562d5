"""``uidp ca sign`` and ``uidp ca demo-cert``, added to the ``uidp`` command through ``register_commands``."""

from __future__ import annotations

import argparse
import base64
import sys
from pathlib import Path

from plugins.ca.tools import sign_challenge, sm2_private_key, write_demo
from uidp.plugin_api import CommandLine, sm2


def add_commands(cli: CommandLine) -> None:
    """``uidp ca`` with its two subcommands."""
    ca = cli.add_group("ca", help="CA certificate login tools (plugins.ca)")
    sign = ca.add_command(
        "sign", help="sign a login/binding challenge with a PEM key; prints base64", run=sign_command, dash_values=True
    )
    sign.add_argument("challenge", nargs="?", help="the challenge (it may start with -)")
    sign.add_argument("--key", required=True, help="the certificate's private key, PEM")
    sign.add_argument("--challenge", dest="challenge_option", metavar="CHALLENGE", help="the challenge, as an option")
    sign.add_argument("--sm2", action="store_true", help="the key is SM2 (PEM, or 64 hex digits)")

    def demo_command(args: argparse.Namespace) -> None:
        settings = cli.settings()
        if settings.is_production:
            sys.exit("demo-cert is for the dev profile only")
        out = Path(args.out) if args.out else settings.data_dir / "ca"  # its roots/ are trusted on the dev profile
        name = args.name or ("张三" if args.id_number else "湖北演示科技有限公司")
        paths = write_demo(out, args.credit_code, name, args.id_number)
        print(f"trusted root:  {paths['root']}  (export UIDP_CA_TRUST_DIR={paths['root'].parent})")
        print(f"certificate:   {paths['certificate']}")
        print(f"private key:   {paths['key']}")

    demo = ca.add_command(
        "demo-cert", help="dev: a local test root CA and an entity or person certificate", run=demo_command
    )
    demo.add_argument(
        "--out", help="folder for roots/demo-root.pem, entity.pem or person.pem and its key (default DATA_DIR/ca)"
    )
    holder = demo.add_mutually_exclusive_group(required=True)
    holder.add_argument("--credit-code", help="the entity's unified social credit code")
    holder.add_argument("--id-number", help="a person's certificate number (for a person's certificate)")
    demo.add_argument("--name", help="the certificate's common name (default a demo company, or 张三)")


def sign_command(args: argparse.Namespace) -> None:
    """Print the base64 signature over the challenge, given once: as the argument or with ``--challenge``."""
    given = [c for c in (args.challenge, args.challenge_option) if c is not None]
    if len(given) != 1:
        sys.exit("uidp ca sign: give the challenge once, as an argument or with --challenge")
    key = Path(args.key).read_bytes()
    if args.sm2:
        print(base64.b64encode(sm2.sign(sm2_private_key(key), given[0].encode())).decode())
    else:
        print(sign_challenge(key, given[0]))
