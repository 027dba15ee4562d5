"""Electronic social security card scan login (P6, manual §1.3.4, FAQ 3.1).

The card platform's mini program scans the QR code; its backend calls our callback route
(``UIDP_ESSCARD_CALLBACK_PATH``, default ``/plugins/esscard/callback``) with signed messages (docs/plugins.md,
"Signed partner callbacks"): ``scanned``, then ``confirmed`` with the card holder's verified ``name`` and
``id_number``, or ``rejected``. The person is matched by the ID number (``Trust.ID_NUMBER``); the assertion's
subject is the ID number itself (bindings keep only its blind index). A session from this channel opens a
10-minute window in which the person may change phone and password without the old ones (FAQ 3.1;
``uidp.services.persons.card_window``). Settings: the ``UIDP_ESSCARD_*`` block; the dev profile without a
key trusts the sandbox partner (``uidp sandbox scan TICKET --channel esscard --as ID_NUMBER``).
"""

from __future__ import annotations

from collections.abc import Mapping

from uidp.plugin_api import (
    Assertion,
    ScanLoginMethod,
    Trust,
    person_assertion,
    scan_channel_hooks,
)

CHANNEL = "esscard"
DEFAULT_QR_URL = "https://si.12333.gov.cn/scan-login"


class EsscardLogin(ScanLoginMethod):
    """The electronic social security card scan method."""

    id = CHANNEL
    label = "电子社保卡扫码登录"
    trust = frozenset({Trust.ID_NUMBER})
    confirm_fields = ("name", "id_number")

    def assertion(self, fields: Mapping[str, str]) -> Assertion:
        """The verified name and ID number (the subject: the ID number itself)."""
        return person_assertion(self.id, "", fields)


register_login_methods, register_routes = scan_channel_hooks(EsscardLogin, default_qr_url=DEFAULT_QR_URL)
