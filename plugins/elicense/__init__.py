"""Electronic business licence scan login (E6, manual §2.4.1, FAQ 3.2).

The licence mini program (WeChat or Alipay) scans the QR code, which refreshes every minute (tickets live
60 s and the page is asked to start a new one every 60 s). The licence platform calls our callback route
(``UIDP_ELICENSE_CALLBACK_PATH``, default ``/plugins/elicense/callback``) with signed messages (docs/plugins.md,
"Signed partner callbacks"): ``scanned``, then ``confirmed`` with the licence's ``credit_code`` and the
scanner's verified ``name``, ``id_number`` and ``role`` (``legal_representative``, or ``manager``: a person
the licence holder authorised in the licence app), or ``rejected``. The entity is matched by credit code
(``Trust.CREDIT_CODE``); the session is the entity's, with the scanner recorded as its actor
(``Trust.ACTOR``: ``Session.actor_id`` / ``actor_role`` and the audit log). Within 10 minutes of such a login
the contact phone may be changed without the password (FAQ 3.2). Settings: the ``UIDP_ELICENSE_*`` block;
the dev profile without a key trusts the sandbox partner
(``uidp sandbox scan TICKET --channel elicense --as ID_NUMBER --credit-code CODE --role manager``).
"""

from __future__ import annotations

from collections.abc import Mapping

from uidp.plugin_api import (
    ACTOR_ROLES,
    CLAIM_ACTOR_ID_NUMBER,
    CLAIM_ACTOR_NAME,
    CLAIM_ACTOR_ROLE,
    CLAIM_CREDIT_CODE,
    Assertion,
    DomainError,
    ErrorCode,
    ScanLoginMethod,
    Trust,
    scan_channel_hooks,
    verified_credit_code,
    verified_id_number,
)

CHANNEL = "elicense"
DEFAULT_QR_URL = "https://zzlz.gsxt.gov.cn/scan-login"


class ElicenseLogin(ScanLoginMethod):
    """The electronic business licence scan method."""

    id = CHANNEL
    label = "电子营业执照扫码登录"
    trust = frozenset({Trust.CREDIT_CODE, Trust.ACTOR})
    confirm_fields = ("credit_code", "name", "id_number", "role")
    lifetime_seconds = 60
    refresh_seconds = 60

    def assertion(self, fields: Mapping[str, str]) -> Assertion:
        code = verified_credit_code(fields["credit_code"])
        number = verified_id_number(fields["id_number"])
        if fields["role"] not in ACTOR_ROLES:
            raise DomainError(ErrorCode.INVALID_FORMAT, "扫码人身份类型不正确", None, reason="malformed:role")
        return Assertion(
            provider=self.id,
            subject=code,
            subject_kind="entity",
            claims={
                CLAIM_CREDIT_CODE: code,
                CLAIM_ACTOR_NAME: fields["name"],
                CLAIM_ACTOR_ID_NUMBER: number,
                CLAIM_ACTOR_ROLE: fields["role"],
            },
        )


register_login_methods, register_routes = scan_channel_hooks(ElicenseLogin, default_qr_url=DEFAULT_QR_URL)
