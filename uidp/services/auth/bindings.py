"""Which account an assertion opens: one bindings service for every login channel (docs/decisions.md #90).

In this order:

1. ``Trust.ACCOUNT`` (the built-in password method): the subject is the id of the account the method found
   through the core's lookups, in the realm of the form (person, entity or staff).
2. A ``certificate`` subject (the CA method): the certificate bindings E5 made, by the certificate's
   fingerprint (``uidp.models.ca_binding``).
3. An :class:`~uidp.models.binding.ExternalBinding` of the provider and the blind index of the subject.
4. A verified claim the method's trust names: a resident ID number (``Trust.ID_NUMBER``) opens the person
   registered with it, a credit code (``Trust.CREDIT_CODE``) the entity; the pipeline writes the binding
   once the account may log in, so the next login follows it. A name claim that disagrees with the
   account's name refuses the match (IDENTITY_MISMATCH).

Anything else is unbound: the caller offers a binding ticket (``uidp.services.auth.partner_login``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from uidp.domain.accounts import SubjectKind
from uidp.domain.certificates import CertificateType, normalize_certificate_number
from uidp.domain.credit_code import normalize_credit_code
from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.binding import ExternalBinding
from uidp.models.ca_binding import CertificateBinding
from uidp.models.entity import Entity
from uidp.ports import CLAIM_CREDIT_CODE, CLAIM_ID_NUMBER, CLAIM_NAME, Assertion, LoginMethod, Trust, trust_of
from uidp.runtime import Runtime
from uidp.security.blind_index import Lookup
from uidp.services.entities.entities import EntityLookup
from uidp.services.persons.person_lookup import PersonLookup
from uidp.services.persons.user_space import BINDING_DISPLAY_COLUMN as DISPLAY_COLUMN
from uidp.services.shared.pii import Pii

SUBJECT_COLUMN = "binding.subject"  # ExternalBinding.subject_enc, sealed per row
ACCOUNT_KINDS = tuple(SubjectKind)
BINDABLE_KINDS = (SubjectKind.PERSON, SubjectKind.ENTITY)  # staff accounts are never bound to a partner's subject


@dataclass(frozen=True)
class AccountRef:
    """An account of the core: ``kind`` person, entity or staff, and its id."""

    kind: str
    id: uuid.UUID


@dataclass(frozen=True)
class Match:
    """The account an assertion opens and how it was found (``via``: account, certificate, binding,
    id_number, credit_code); ``serial`` is the certificate's for CA logins."""

    account: AccountRef
    via: str
    serial: str | None = None

    @property
    def binds(self) -> bool:
        """Found by a trusted claim: the caller writes the binding once the account may log in."""
        return self.via in ("id_number", "credit_code")


def malformed(code: ErrorCode, message: str) -> DomainError:
    """A trusted claim the partner sent malformed: no ``field``, since the caller typed none of it."""
    return DomainError(code, message, None)


def _checked(normalize: Callable[..., str], *args: Any) -> str | None:
    """``normalize(*args)``, or None where it refuses the value (its error names a form field; this is none)."""
    try:
        return normalize(*args)
    except DomainError:
        return None


def mismatch() -> DomainError:
    return DomainError(
        ErrorCode.IDENTITY_MISMATCH, "第三方核验的身份信息与本平台账号不一致，无法登录，请联系客服", None
    )


class Bindings:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.pii = Pii(rt)

    def seal_subject(self, row_id: uuid.UUID, subject: str) -> str:
        """The provider's subject id sealed for the binding row ``row_id`` (the rotation reads it back)."""
        return self.pii.seal(SUBJECT_COLUMN, row_id, subject)

    def subject_index(self, provider: str, subject: str) -> str:
        """The blind index an ExternalBinding keeps instead of the provider's subject id."""
        return self.pii.digest(f"binding:{provider}", subject)

    def subject_lookup(self, provider: str, subject: str) -> Lookup:
        return self.pii.lookup(f"binding:{provider}", subject)

    async def resolve(self, method: LoginMethod, assertion: Assertion, *, realm: str | None = None) -> Match | None:
        """The account this assertion opens, or None when the subject is bound to nobody.

        Raises IDENTITY_MISMATCH when a trusted claim names an account whose name differs from the claimed
        one, and INVALID_ID_NUMBER / INVALID_CREDIT_CODE for a malformed trusted claim.
        """
        trust = trust_of(method)
        if Trust.ACCOUNT in trust:
            return self._own_account(assertion, realm)
        if assertion.subject_kind == "certificate":
            binding = await CertificateBinding.get_or_none(fingerprint=assertion.subject)
            if binding is None:
                return None
            return Match(AccountRef(binding.subject_kind, binding.subject_id), "certificate", binding.serial)
        if assertion.subject_kind not in BINDABLE_KINDS:
            return None
        lookup = self.subject_lookup(method.id, assertion.subject)
        row = await ExternalBinding.get_or_none(provider=method.id, **lookup.on("subject_index"))
        if row is not None:
            await self._move_index(row, lookup)
            if row.subject_enc is None:  # a row from before 0012: its subject is seen here, so keep it now
                sealed = self.seal_subject(row.id, assertion.subject)
                await ExternalBinding.filter(id=row.id, subject_enc__isnull=True).update(subject_enc=sealed)
            if row.subject_kind != assertion.subject_kind:
                return None
            return Match(AccountRef(row.subject_kind, row.subject_id), "binding")
        return await self._by_claim(trust, assertion)

    async def _move_index(self, row: ExternalBinding, lookup: Lookup) -> None:
        """A binding found under the previous blind index moves to the current one: its subject is seen only
        here, so this is how a digest-only row moves (decision 261). Conditional on the old digest."""
        if row.subject_index == lookup.current:
            return
        await ExternalBinding.filter(id=row.id, subject_index=row.subject_index).update(subject_index=lookup.current)

    def _own_account(self, assertion: Assertion, realm: str | None) -> Match | None:
        # Staff accounts open only in the staff form's realm (which asks for the TOTP code too).
        kinds = (realm,) if realm in ACCOUNT_KINDS else BINDABLE_KINDS
        if assertion.subject_kind not in kinds:
            return None
        try:
            account_id = uuid.UUID(assertion.subject)
        except ValueError:
            return None
        return Match(AccountRef(assertion.subject_kind, account_id), "account")

    async def _by_claim(self, trust: frozenset[Trust], assertion: Assertion) -> Match | None:
        claims = assertion.claims
        if assertion.subject_kind == SubjectKind.PERSON and Trust.ID_NUMBER in trust and claims.get(CLAIM_ID_NUMBER):
            number = _checked(normalize_certificate_number, CertificateType.RESIDENT_ID, claims[CLAIM_ID_NUMBER])
            if number is None:
                raise malformed(ErrorCode.INVALID_ID_NUMBER, "第三方核验的身份证号码格式不正确")
            person = await PersonLookup(self.rt).by_certificate(CertificateType.RESIDENT_ID, number)
            if person is None:
                return None
            name = claims.get(CLAIM_NAME)
            if name is not None and _folded(name) != _folded(self.pii.open("person.name", person.id, person.name_enc)):
                raise mismatch()
            return Match(AccountRef(SubjectKind.PERSON, person.id), "id_number")
        if (
            assertion.subject_kind == SubjectKind.ENTITY
            and Trust.CREDIT_CODE in trust
            and claims.get(CLAIM_CREDIT_CODE)
        ):
            code = _checked(normalize_credit_code, claims[CLAIM_CREDIT_CODE])
            if code is None:
                raise malformed(ErrorCode.INVALID_CREDIT_CODE, "第三方核验的统一社会信用代码格式不正确")
            entity: Entity | None = await EntityLookup(self.rt).by_credit_code(code)
            if entity is None:
                return None
            name = claims.get(CLAIM_NAME)
            if name is not None and _folded(name) != _folded(self.pii.open("entity.name", entity.id, entity.name_enc)):
                raise mismatch()
            return Match(AccountRef(SubjectKind.ENTITY, entity.id), "credit_code")
        return None

    async def bind(
        self,
        provider: str,
        subject: str,
        account: AccountRef,
        *,
        display: str = "",
        binding_id: uuid.UUID | None = None,
        subject_index: str | None = None,
        display_enc: str | None = None,
        subject_enc: str | None = None,
    ) -> bool:
        """Write the binding of ``provider``'s ``subject`` to ``account``; True if it was new. A binding ticket
        passes the subject already digested and sealed for ``binding_id`` (``subject_index``, ``subject_enc``).

        The database keeps (provider, subject) unique: of concurrent binds exactly one row is written. A
        subject already bound to another account answers ALREADY_EXISTS.
        """
        if account.kind not in BINDABLE_KINDS:
            raise ValueError(f"{account.kind} accounts are never bound")
        index = subject_index or self.subject_index(provider, subject)
        row_id = binding_id or uuid.uuid4()
        sealed = (
            display_enc if display_enc is not None else self.pii.seal_optional(DISPLAY_COLUMN, row_id, display or None)
        )
        try:
            async with in_transaction():
                await ExternalBinding.create(
                    id=row_id,
                    provider=provider,
                    subject_index=index,
                    subject_kind=account.kind,
                    subject_id=account.id,
                    display_enc=sealed,
                    subject_enc=subject_enc if subject_enc is not None else self.seal_subject(row_id, subject),
                    created_at=self.rt.clock.now(),
                )
        except IntegrityError:
            holder = await ExternalBinding.get_or_none(provider=provider, subject_index=index)
            if holder is not None and (holder.subject_kind, holder.subject_id) == (account.kind, account.id):
                return False
            raise DomainError(ErrorCode.ALREADY_EXISTS, "该第三方账号已绑定其他账号", None) from None
        return True


def _folded(name: str) -> str:
    return "".join(name.split()).upper()
