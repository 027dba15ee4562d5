"""Root fields of the legal person's changes (E7, E8) and appeal (E10)."""

from __future__ import annotations

import strawberry

from graph.schema.areas.entity_changes import resolvers as entity_changes


@strawberry.type
class EntityChangesMutation:
    start_entity_contact_change: entity_changes.StartEntityContactChangeResult = strawberry.field(
        resolver=entity_changes.start_entity_contact_change,
        description="E7 (a) step 1, entity session: the login password -> a ticket.",
    )
    verify_entity_elements: entity_changes.VerifyEntityElementsResult = strawberry.field(
        resolver=entity_changes.verify_entity_elements,
        description="E7 (b) step 1, anonymous: the four enterprise elements -> a ticket.",
    )
    change_entity_contact: entity_changes.ChangeEntityContactResult = strawberry.field(
        resolver=entity_changes.change_entity_contact,
        description="E7 step 2: new contact name, ID number, phone + code (ENTITY_CONTACT_PHONE).",
    )
    change_entity_legal_information: entity_changes.ChangeEntityLegalInformationResult = strawberry.field(
        resolver=entity_changes.change_entity_legal_information,
        description="E8, entity session: new name / type / representative, checked with the business registry.",
    )
    start_entity_appeal: entity_changes.StartEntityAppealResult = strawberry.field(
        resolver=entity_changes.start_entity_appeal, description="E10 step 1: credit code -> the masked entity."
    )
    submit_entity_appeal: entity_changes.SubmitEntityAppealResult = strawberry.field(
        resolver=entity_changes.submit_entity_appeal,
        description="E10 step 2: documents, new contact, captcha, code, new password -> a review case.",
    )
