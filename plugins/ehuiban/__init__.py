"""鄂汇办 app scan login (P5, manual §1.3.3): the logged-in app scans the QR code and the person confirms.

The page's ``startLogin(method: "ehuiban")`` shows a QR code carrying the scan ticket; 鄂汇办's backend calls
our callback route (``UIDP_EHUIBAN_CALLBACK_PATH``, default ``/plugins/ehuiban/callback``) with signed
messages (docs/plugins.md, "Signed partner callbacks"): ``event`` ``scanned``, then ``confirmed`` with
``user_id`` (the app's user id), ``name`` and ``id_number`` (verified by the app's real-name check), or
``rejected``. The assertion's subject is the app user id; the person is found through its binding, or the
first time by the ID number's blind index (``Trust.ID_NUMBER``), which then writes the binding.
Settings: the ``UIDP_EHUIBAN_*`` block (uidp.security.partner_config); the dev profile without a key trusts
the sandbox partner (``uidp sandbox scan TICKET --channel ehuiban --as ID_NUMBER``).
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

CHANNEL = "ehuiban"
DEFAULT_QR_URL = "https://ehb.hubei.gov.cn/scan-login"


class EhuibanLogin(ScanLoginMethod):
    """The 鄂汇办 scan method."""

    id = CHANNEL
    label = "鄂汇办扫码登录"
    trust = frozenset({Trust.ID_NUMBER})
    confirm_fields = ("user_id", "name", "id_number")

    def assertion(self, fields: Mapping[str, str]) -> Assertion:
        """The verified name and ID number (the subject: the app's user id)."""
        return person_assertion(self.id, fields["user_id"], fields)


register_login_methods, register_routes = scan_channel_hooks(EhuibanLogin, default_qr_url=DEFAULT_QR_URL)
