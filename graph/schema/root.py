"""The root Query and Mutation types, merged from the areas under graph.schema.areas.

Each area's ``fields.py`` (decision 99) defines ``<Area>Query``, ``<Area>Mutation`` and/or
``<Area>Subscription``; add them to the tuples below.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from graph.schema.areas.appeals.fields import AppealsMutation
from graph.schema.areas.ca.fields import CaMutation
from graph.schema.areas.cancellation.fields import CancellationMutation, CancellationQuery
from graph.schema.areas.connected_systems.fields import ConnectedSystemsMutation, ConnectedSystemsQuery
from graph.schema.areas.delegation.fields import DelegationMutation, DelegationQuery
from graph.schema.areas.entities.fields import EntitiesMutation, EntitiesQuery
from graph.schema.areas.entity_changes.fields import EntityChangesMutation
from graph.schema.areas.levels.fields import LevelsMutation
from graph.schema.areas.login.fields import LoginMutation, LoginQuery, LoginSubscription
from graph.schema.areas.onboarding.fields import OnboardingMutation, OnboardingQuery
from graph.schema.areas.proxy.fields import ProxyMutation, ProxyQuery
from graph.schema.areas.recovery.fields import RecoveryMutation
from graph.schema.areas.registration.fields import RegistrationMutation
from graph.schema.areas.review.fields import ReviewMutation, ReviewQuery
from graph.schema.areas.sessions.fields import SessionsMutation, SessionsQuery
from graph.schema.areas.staff.fields import StaffMutation, StaffQuery
from graph.schema.areas.subscriptions.fields import SessionSubscription
from graph.schema.areas.user_consents.fields import UserConsentsMutation, UserConsentsQuery
from graph.schema.areas.user_space.fields import UserSpaceMutation

QUERY_PARTS: tuple[type, ...] = (
    SessionsQuery,
    OnboardingQuery,
    ReviewQuery,
    CancellationQuery,
    ConnectedSystemsQuery,
    StaffQuery,
    EntitiesQuery,
    LoginQuery,
    DelegationQuery,
    ProxyQuery,
    UserConsentsQuery,
)
MUTATION_PARTS: tuple[type, ...] = (
    OnboardingMutation,
    RegistrationMutation,
    SessionsMutation,
    LoginMutation,
    AppealsMutation,
    ReviewMutation,
    RecoveryMutation,
    UserSpaceMutation,
    CancellationMutation,
    ConnectedSystemsMutation,
    StaffMutation,
    LevelsMutation,
    EntitiesMutation,
    CaMutation,
    EntityChangesMutation,
    DelegationMutation,
    ProxyMutation,
    UserConsentsMutation,
)

SUBSCRIPTION_PARTS: tuple[type, ...] = (SessionSubscription, LoginSubscription)

Query = merge_types("Query", QUERY_PARTS)
Mutation = merge_types("Mutation", MUTATION_PARTS)
Subscription = merge_types("Subscription", SUBSCRIPTION_PARTS)
