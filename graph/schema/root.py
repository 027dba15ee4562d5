"""The root Query and Mutation types, merged from one module per area under graph.schema.areas.

Each area module defines ``<Area>Query`` and/or ``<Area>Mutation``; add them to the tuples below.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from graph.schema.areas.onboarding import OnboardingMutation, OnboardingQuery

QUERY_PARTS: tuple[type, ...] = (OnboardingQuery,)
MUTATION_PARTS: tuple[type, ...] = (OnboardingMutation,)

Query = merge_types("Query", QUERY_PARTS)
Mutation = merge_types("Mutation", MUTATION_PARTS)
