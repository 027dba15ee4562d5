"""E9 rules (uidp.domain.delegation): the same checks at creation, change and every use."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from uidp.domain.delegation import (
    EndReason,
    Grantee,
    GrantFacts,
    GrantState,
    GrantStatus,
    Period,
    check_chain,
    check_change,
    check_link,
    check_may_manage_candidates,
    check_new_grant,
    check_use,
    descendants,
    ended_by_change,
    fits_under,
    status_at,
)
from uidp.domain.errors import DomainError, ErrorCode

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DAY = timedelta(days=1)
ENTITY = uuid.uuid4()
ALICE, BOB, CAROL, DAN = (uuid.uuid4() for _ in range(4))
CATALOGUE = {"tax": True, "social": True, "customs": True, "secret": False}


def period(start_days: float = 0, end_days: float = 30) -> Period:
    return Period(NOW + timedelta(days=start_days), NOW + timedelta(days=end_days))


def level1(**overrides) -> GrantFacts:
    base = GrantFacts(
        id=uuid.uuid4(),
        entity_id=ENTITY,
        parent_id=None,
        grantor_id=ENTITY,
        grantee_id=ALICE,
        depth=1,
        scope=frozenset({"tax", "social"}),
        period=period(-1, 30),
        may_grant_onward=True,
        may_manage_candidates=True,
    )
    return replace(base, **overrides)


def below(parent: GrantFacts, grantee: uuid.UUID, **overrides) -> GrantFacts:
    base = GrantFacts(
        id=uuid.uuid4(),
        entity_id=parent.entity_id,
        parent_id=parent.id,
        grantor_id=parent.grantee_id,
        grantee_id=grantee,
        depth=parent.depth + 1,
        scope=parent.scope,
        period=Period(NOW, parent.period.ends_at),
        may_grant_onward=True,
    )
    return replace(base, **overrides)


def grantee(person: uuid.UUID = BOB, *, level: int = 2, active: bool = True, candidate: bool = True) -> Grantee:
    return Grantee(person, level, active, candidate)


def refused(code: ErrorCode, call, *args) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args)
    assert caught.value.code == code, caught.value
    return caught.value


def test_status_follows_state_and_period():
    grant = level1()
    assert status_at(grant, NOW) == GrantStatus.ACTIVE
    assert status_at(replace(grant, period=period(1, 30)), NOW) == GrantStatus.PENDING
    assert status_at(grant, grant.period.ends_at) == GrantStatus.EXPIRED  # the end is exclusive
    assert status_at(replace(grant, state=GrantState.EXPIRED), NOW) == GrantStatus.EXPIRED
    assert status_at(replace(grant, state=GrantState.CANCELLED, period=period(1, 2)), NOW) == GrantStatus.CANCELLED


def test_entity_grants_a_candidate_of_level_two():
    check_new_grant((), level1(period=period(0, 30)), grantee(ALICE), CATALOGUE, NOW)


@pytest.mark.parametrize(
    ("who", "code"),
    [
        (grantee(level=1), ErrorCode.GRANTEE_LEVEL_TOO_LOW),
        (grantee(active=False), ErrorCode.GRANTEE_LEVEL_TOO_LOW),
        (grantee(candidate=False), ErrorCode.NOT_A_CANDIDATE),
    ],
)
def test_grantee_must_be_a_level_two_candidate(who, code):
    root = level1()
    error = refused(code, check_new_grant, [root], below(root, BOB), who, CATALOGUE, NOW)
    assert error.field == "grantee"


@pytest.mark.parametrize("items", [{"secret"}, {"unknown"}, {"tax", "secret"}])
def test_items_must_be_delegable(items):
    error = refused(
        ErrorCode.ITEM_NOT_DELEGABLE,
        check_new_grant,
        (),
        level1(scope=frozenset(items), period=period(0, 3)),
        grantee(ALICE),
        CATALOGUE,
        NOW,
    )
    assert error.field == "scope"


def test_empty_scope_is_required():
    refused(
        ErrorCode.REQUIRED,
        check_new_grant,
        (),
        level1(scope=frozenset(), period=period(0, 3)),
        grantee(ALICE),
        CATALOGUE,
        NOW,
    )


def test_onward_scope_stays_inside_the_grantors():
    root = level1()
    error = refused(
        ErrorCode.SCOPE_BEYOND_GRANTOR,
        check_new_grant,
        [root],
        below(root, BOB, scope=frozenset({"tax", "customs"})),
        grantee(),
        CATALOGUE,
        NOW,
    )
    assert error.field == "scope" and error.details["items"] == ["customs"]


@pytest.mark.parametrize(
    ("window", "code", "field"),
    [
        (period(0, 31), ErrorCode.PERIOD_BEYOND_GRANTOR, "period"),
        (period(-0.5, 10), ErrorCode.PERIOD_IN_PAST, "period.startsAt"),
        (period(-3, -2), ErrorCode.PERIOD_IN_PAST, "period.endsAt"),
        (period(5, 5), ErrorCode.PERIOD_INVALID, "period.endsAt"),
        (period(5, 4), ErrorCode.PERIOD_INVALID, "period.endsAt"),
    ],
)
def test_period_is_inside_the_grantors_and_not_past(window, code, field):
    root = level1()
    error = refused(code, check_new_grant, [root], below(root, BOB, period=window), grantee(), CATALOGUE, NOW)
    assert error.field == field


def test_a_start_typed_as_now_on_a_slow_form_is_not_past():
    check_new_grant((), level1(period=Period(NOW - timedelta(minutes=5), NOW + DAY)), grantee(ALICE), CATALOGUE, NOW)


def test_three_levels_and_no_fourth():
    one = level1()
    two = below(one, BOB)
    three = below(two, CAROL, may_grant_onward=False)
    check_new_grant([one, two], three, grantee(CAROL), CATALOGUE, NOW)
    check_chain([one, two, three], NOW)
    refused(
        ErrorCode.GRANT_DEPTH_EXCEEDED,
        check_new_grant,
        [one, two, three],
        below(three, DAN),
        grantee(DAN),
        CATALOGUE,
        NOW,
    )
    # even a (corrupt) third level that says it may grant onward cannot make a fourth
    onward = replace(three, may_grant_onward=True)
    refused(
        ErrorCode.GRANT_DEPTH_EXCEEDED,
        check_new_grant,
        [one, two, onward],
        below(onward, DAN),
        grantee(DAN),
        CATALOGUE,
        NOW,
    )
    refused(ErrorCode.GRANT_DEPTH_EXCEEDED, check_link, [one, two], onward)


def test_no_cycle_and_never_to_oneself():
    one = level1()
    two = below(one, BOB)
    error = refused(
        ErrorCode.GRANT_CYCLE, check_new_grant, [one, two], below(two, ALICE), grantee(ALICE), CATALOGUE, NOW
    )
    assert error.field == "grantee"
    refused(ErrorCode.SELF_GRANT, check_new_grant, [one], below(one, ALICE), grantee(ALICE), CATALOGUE, NOW)


def test_grantor_must_hold_an_active_grant_that_allows_onward_grants():
    one = level1()
    for broken in (
        replace(one, state=GrantState.CANCELLED),
        replace(one, state=GrantState.EXPIRED),
        replace(one, period=period(-30, -1)),
        replace(one, period=period(1, 30)),
        replace(one, may_grant_onward=False),
    ):
        refused(ErrorCode.NO_ACTIVE_GRANT, check_new_grant, [broken], below(broken, BOB), grantee(), CATALOGUE, NOW)


def test_a_chain_is_only_as_good_as_its_weakest_link():
    one = level1()
    two = below(one, BOB)
    three = below(two, CAROL, may_grant_onward=False)
    check_use([one, two, three], "tax", NOW)
    refused(ErrorCode.GRANT_CANCELLED, check_use, [replace(one, state=GrantState.CANCELLED), two, three], "tax", NOW)
    refused(ErrorCode.GRANT_EXPIRED, check_use, [one, two, three], "tax", one.period.ends_at)
    refused(ErrorCode.GRANT_NOT_STARTED, check_use, [one, replace(two, period=period(1, 20)), three], "tax", NOW)
    refused(ErrorCode.OUT_OF_SCOPE, check_use, [one, two, three], "customs", NOW)
    refused(ErrorCode.NO_ACTIVE_GRANT, check_use, [], "tax", NOW)


def test_a_use_rechecks_the_structure_not_only_the_state():
    one = level1()
    # a child wider than its parent (e.g. a row written before a narrowing) does not open the extra item
    wide = below(one, BOB, scope=frozenset({"tax", "customs"}))
    refused(ErrorCode.SCOPE_BEYOND_GRANTOR, check_use, [one, wide], "customs", NOW)
    refused(ErrorCode.PERIOD_BEYOND_GRANTOR, check_use, [one, below(one, BOB, period=period(0, 40))], "tax", NOW)
    refused(ErrorCode.NO_ACTIVE_GRANT, check_use, [one, replace(below(one, BOB), parent_id=uuid.uuid4())], "tax", NOW)


def test_candidates_are_managed_by_the_entity_or_under_a_grant_that_allows_it():
    check_may_manage_candidates((), NOW)
    one = level1()
    check_may_manage_candidates([one], NOW)
    refused(ErrorCode.NO_ACTIVE_GRANT, check_may_manage_candidates, [replace(one, may_manage_candidates=False)], NOW)
    refused(ErrorCode.NO_ACTIVE_GRANT, check_may_manage_candidates, [replace(one, state=GrantState.CANCELLED)], NOW)


def test_the_candidate_right_is_passed_on_only_by_who_has_it():
    one = level1(may_manage_candidates=False)
    error = refused(
        ErrorCode.SCOPE_BEYOND_GRANTOR,
        check_new_grant,
        [one],
        below(one, BOB, may_manage_candidates=True),
        grantee(),
        CATALOGUE,
        NOW,
    )
    assert error.field == "mayManageCandidates"


def test_change_keeps_retired_items_but_checks_added_ones():
    one = level1(scope=frozenset({"tax", "secret"}))  # "secret" was delegable when granted
    check_change((), one, replace(one, scope=frozenset({"secret"})), CATALOGUE, NOW)
    refused(ErrorCode.ITEM_NOT_DELEGABLE, check_change, (), replace(one, scope=frozenset({"tax"})), one, CATALOGUE, NOW)


def test_change_of_an_ended_grant_is_refused_and_a_started_grant_keeps_its_start():
    one = level1()
    check_change((), one, replace(one, period=Period(one.period.starts_at, NOW + 5 * DAY)), CATALOGUE, NOW)
    refused(ErrorCode.PERIOD_IN_PAST, check_change, (), one, replace(one, period=period(-0.5, 5)), CATALOGUE, NOW)
    refused(ErrorCode.GRANT_CANCELLED, check_change, (), replace(one, state=GrantState.CANCELLED), one, CATALOGUE, NOW)
    refused(ErrorCode.GRANT_EXPIRED, check_change, (), replace(one, state=GrantState.EXPIRED), one, CATALOGUE, NOW)
    two = below(one, BOB)
    refused(
        ErrorCode.PERIOD_BEYOND_GRANTOR, check_change, [one], two, replace(two, period=period(0, 60)), CATALOGUE, NOW
    )


def test_narrowing_ends_the_children_that_no_longer_fit_and_everything_below_them():
    one = level1()
    tax_only = below(one, BOB, scope=frozenset({"tax"}))
    social = below(one, CAROL, scope=frozenset({"social"}))
    under_social = below(social, DAN, scope=frozenset({"social"}), may_grant_onward=False)
    tree = {one.id: [tax_only, social], social.id: [under_social]}
    narrowed = replace(one, scope=frozenset({"tax"}))
    assert fits_under(narrowed, tax_only) and not fits_under(narrowed, social)
    assert ended_by_change(tree, narrowed) == [
        (social, EndReason.NO_LONGER_FITS),
        (under_social, EndReason.PARENT_ENDED),
    ]
    assert ended_by_change(tree, one) == []
    shorter = replace(one, period=Period(one.period.starts_at, NOW + 10 * DAY))
    assert {grant.id for grant, _ in ended_by_change(tree, shorter)} == {tax_only.id, social.id, under_social.id}
    assert descendants(tree, one.id) == [tax_only, social, under_social]
