"""Tortoise models, one module per aggregate. ``MODEL_MODULES`` is what Tortoise loads."""

MODEL_MODULES = [
    "uidp.models.person",
    "uidp.models.credential",
    "uidp.models.session",
    "uidp.models.upload",
    "uidp.models.audit",
    "uidp.models.staff",
    "uidp.models.binding",
    "uidp.models.review",
    "uidp.models.staff_token",
    "uidp.models.service_item",
    "uidp.models.bank_check",
    "uidp.models.entity",
    "uidp.models.ca_binding",
    "uidp.models.notice",
    "uidp.models.grant",
    "uidp.models.candidate",
    "uidp.models.grant_application",
    "uidp.models.oidc",
    "uidp.models.oidc_delivery",
]
