"""The logged-in person's own space (P11): password, phone, sessions, bindings (listed on PersonAccount)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.user_space import resolvers


@strawberry.type
class UserSpaceMutation:
    change_password: resolvers.ChangePasswordResult = strawberry.field(
        resolver=resolvers.change_password, description="P11: current + new password; other sessions end."
    )
    send_my_phone_code: resolvers.SendMyPhoneCodeResult = strawberry.field(
        resolver=resolvers.send_my_phone_code, description="P11/P10: a code to my own phone."
    )
    change_phone: resolvers.ChangePhoneResult = strawberry.field(
        resolver=resolvers.change_phone,
        description="P11: codes to the old and the new phone (no phone on record: the password instead); "
        "my other sessions end.",
    )
    acknowledge_notice: resolvers.AcknowledgeNoticeResult = strawberry.field(
        resolver=resolvers.acknowledge_notice, description="Person: I have read this notice."
    )
    end_session: resolvers.EndSessionResult = strawberry.field(
        resolver=resolvers.end_session, description="P11: end one of my sessions."
    )
    unbind_login: resolvers.UnbindLoginResult = strawberry.field(
        resolver=resolvers.unbind_login, description="P11: remove a third-party login binding."
    )
