"""Documents are validated once, not on every request (the ValidationCache keys on the rule classes)."""

from __future__ import annotations

from strawberry.extensions import AddValidationRules

from graph.app import build_schema


def test_limit_rules_are_the_same_classes_on_every_request(settings):
    schema = build_schema(settings)
    made = [factory() for factory in schema.extensions for _ in range(2)]
    limits = [ext for ext in made if isinstance(ext, AddValidationRules)]
    assert len(limits) == 2
    assert limits[0].validation_rules == limits[1].validation_rules
    assert len(limits[0].validation_rules) == 2
