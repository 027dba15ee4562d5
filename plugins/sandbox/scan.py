"""``uidp sandbox scan``: play a scan channel's partner on the dev profile (ehuiban, esscard, elicense).

It signs callbacks with the channel's sandbox key (``uidp.plugin_api.sandbox_partner``), exactly as the real
partner would, and posts them to a running server's callback route: ``scanned``, then ``confirmed`` (or
``rejected`` with ``--reject``). The verified name is the one registered for ``--as`` (override with
``--name``). Every channel can be tried at once: each has its own key and route.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time

import httpx

from uidp.plugin_api import (
    ACTOR_ROLES,
    CommandLine,
    DomainError,
    PartnerSettings,
    ScanEvent,
    Settings,
    registered_name,
    sandbox_partner,
)

CHANNELS = ("ehuiban", "esscard", "elicense")


def confirmation(args: argparse.Namespace, name: str) -> dict[str, str]:
    """The fields the channel's partner sends with a confirmation."""
    fields = {"name": name, "id_number": args.id_number}
    if args.channel == "ehuiban":
        fields["user_id"] = args.user_id or f"ehb-{args.id_number[-6:]}"
    if args.channel == "elicense":
        if not args.credit_code:
            sys.exit("uidp sandbox scan: --channel elicense needs --credit-code")
        fields.update(credit_code=args.credit_code, role=args.role)
    return fields


def signed_steps(settings: Settings, args: argparse.Namespace) -> tuple[str, list[dict[str, str]]]:
    """The channel's callback path and its signed messages: ``scanned``, then ``confirmed`` or ``rejected``.

    Each message carries the time and a fresh nonce of now, as the partner's backend sends them."""
    partner = PartnerSettings.from_env(args.channel, settings, default_qr_url="https://sandbox.invalid/scan")
    if partner is None or not partner.sandbox:
        sys.exit(f"uidp sandbox scan: {args.channel} trusts a real partner's key; the sandbox cannot sign for it")
    signer = sandbox_partner(settings.data_dir, args.channel, partner.sandbox_algorithm())
    try:
        name = args.name or registered_name(settings, args.id_number)
    except DomainError as error:
        sys.exit(f"uidp sandbox scan: --as: {error.message}")
    if not args.reject and not name:
        sys.exit("uidp sandbox scan: no person is registered with that ID number (give --name to send one anyway)")
    steps = [(ScanEvent.SCANNED, {}), (ScanEvent.REJECTED, {})] if args.reject else [
        (ScanEvent.SCANNED, {}),
        (ScanEvent.CONFIRMED, confirmation(args, name or "")),
    ]  # fmt: skip
    messages = []
    for event, extra in steps:
        fields = {
            "partner_id": signer.partner_id,
            "timestamp": str(int(time.time())),
            "nonce": secrets.token_urlsafe(18),
            "ticket": args.ticket,
            "event": event.value,
            **extra,
        }
        fields["sign"] = signer.sign(fields)
        messages.append(fields)
    return partner.callback_path, messages


def run_scan(cli: CommandLine, args: argparse.Namespace) -> None:
    settings = cli.settings()
    if settings.is_production:
        sys.exit("uidp sandbox scan is for the dev profile only")
    path, messages = signed_steps(settings, args)
    url = args.url.rstrip("/") + path
    with httpx.Client(timeout=10) as http:
        for fields in messages:
            try:
                response = http.post(url, json=fields)
            except httpx.HTTPError as error:
                sys.exit(f"uidp sandbox scan: {url}: {error}")
            print(f"{fields['event']}: {response.status_code} {json.dumps(response.json(), ensure_ascii=False)}")
            if response.status_code != 200:
                sys.exit(1)


def add_scan_command(cli: CommandLine) -> None:
    """``uidp sandbox scan TICKET --channel C --as ID_NUMBER [--reject] [--credit-code X --role R]``."""
    group = cli.add_group("sandbox", help="dev: play the sandbox partners")
    scan = group.add_command(
        "scan", help="dev: scan and confirm (or reject) a scan-login ticket as a sandbox partner",
        run=lambda args: run_scan(cli, args), dash_values=True,  # a ticket id may start with "-"
    )  # fmt: skip
    scan.add_argument("ticket", help="the ticket id from startLogin (the QR code's ticket=)")
    scan.add_argument("--channel", required=True, choices=CHANNELS)
    scan.add_argument("--as", dest="id_number", required=True, help="the scanning person's resident ID number")
    scan.add_argument("--reject", action="store_true", help="decline in the app instead of confirming")
    scan.add_argument("--name", help="the verified name to send (default: the one registered for --as)")
    scan.add_argument("--user-id", help="ehuiban: the app's user id (default: derived from --as)")
    scan.add_argument("--credit-code", help="elicense: the licence's unified social credit code")
    scan.add_argument("--role", choices=ACTOR_ROLES, default="legal_representative", help="elicense: the scanner")
    scan.add_argument("--url", default="http://127.0.0.1:8000", help="the running server (default %(default)s)")
