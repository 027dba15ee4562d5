"""Root fields of password recovery (P8, manual §1.5)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.recovery import resolvers as recovery


@strawberry.type
class RecoveryMutation:
    start_password_recovery: recovery.StartPasswordRecoveryResult = strawberry.field(
        resolver=recovery.start_password_recovery, description="P8 step 1: name + certificate + captcha."
    )
    send_recovery_code: recovery.SendRecoveryCodeResult = strawberry.field(
        resolver=recovery.send_recovery_code, description="P8 step 2: a code to the phone on record."
    )
    complete_password_recovery: recovery.CompletePasswordRecoveryResult = strawberry.field(
        resolver=recovery.complete_password_recovery, description="P8 step 3: code + new password twice."
    )
