"""The logged-in person's own space (P11): password, phone, sessions, bindings (listed on PersonAccount)."""

from __future__ import annotations

import strawberry

from graph.resolvers import user_space


@strawberry.type
class UserSpaceMutation:
    change_password: user_space.ChangePasswordResult = strawberry.field(
        resolver=user_space.change_password, description="P11: current + new password; other sessions end."
    )
    send_my_phone_code: user_space.SendMyPhoneCodeResult = strawberry.field(
        resolver=user_space.send_my_phone_code, description="P11/P10: a code to my own phone."
    )
    change_phone: user_space.ChangePhoneResult = strawberry.field(
        resolver=user_space.change_phone,
        description="P11: codes to the old and the new phone (no phone on record: the password instead); "
        "my other sessions end.",
    )
    acknowledge_notice: user_space.AcknowledgeNoticeResult = strawberry.field(
        resolver=user_space.acknowledge_notice, description="Person: I have read this notice."
    )
    end_session: user_space.EndSessionResult = strawberry.field(
        resolver=user_space.end_session, description="P11: end one of my sessions."
    )
    unbind_login: user_space.UnbindLoginResult = strawberry.field(
        resolver=user_space.unbind_login, description="P11: remove a third-party login binding."
    )
