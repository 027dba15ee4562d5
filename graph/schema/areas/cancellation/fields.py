"""Root fields of account cancellation (P10, manual §1.7)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.cancellation import resolvers as cancellation
from graph.schema.areas.cancellation.types import CancellationNotice


@strawberry.type
class CancellationQuery:
    cancellation_notice: CancellationNotice = strawberry.field(
        resolver=cancellation.cancellation_notice, description="P10: the five consequences to show first."
    )


@strawberry.type
class CancellationMutation:
    cancel_account: cancellation.CancelAccountResult = strawberry.field(
        resolver=cancellation.cancel_account, description="P10: certificate number + CANCEL_ACCOUNT code."
    )
