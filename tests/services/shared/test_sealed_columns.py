"""Old column-only PII values are bound to their rows by `uidp migrate`; every sealed column is listed."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from tortoise import Tortoise

from tests.support import register_person
from uidp.models.person import Person
from uidp.security.cipher import CipherError
from uidp.services.persons.persons import PersonViews
from uidp.services.shared.pii import Pii
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.sealed_columns import ROW_NAMED_IN_CONTEXT, SEALED_COLUMNS, reseal_column_only

pytestmark = pytest.mark.anyio
CLIENT = ClientInfo("198.51.100.9")


def column_only(rt, plaintext: str, context: str) -> str:
    """A v1 token as written before rows were bound: AES-GCM over "v1.a.<key>" NUL column, no row."""
    key_id = rt.cipher.active_key_id
    key = rt.settings.pii_key_map()[0][key_id]
    nonce = bytes(range(12))
    aad = f"v1.a.{key_id}".encode() + b"\x00" + context.encode()
    body = base64.urlsafe_b64encode(nonce + AESGCM(key).encrypt(nonce, plaintext.encode(), aad))
    return f"v1.a.{key_id}." + body.rstrip(b"=").decode()


async def test_every_encrypted_column_is_listed(rt):
    listed = {(column.model, column.field) for column in SEALED_COLUMNS} | set(ROW_NAMED_IN_CONTEXT)
    found = {
        (model, name)
        for app in Tortoise.apps.values()
        for model in app.values()
        for name in model._meta.fields_map
        if name.endswith(("_enc", "_sealed"))  # the signing keys' private_sealed too
    }
    assert found == listed


async def test_migrate_binds_old_values_to_their_rows(rt):
    a = await register_person(rt, CLIENT)
    b = await register_person(rt, CLIENT, phone="15012340059", seq="122")
    old_phone = column_only(rt, "15012340058", "person.phone")
    # before: a v1 value could sit in any row of its column; the cipher no longer opens it anywhere
    await Person.filter(id__in=[a.id, b.id]).update(phone_enc=old_phone)
    with pytest.raises(CipherError, match="format v1"):
        _ = PersonViews(rt).view(await Person.get(id=a.id)).masked_phone

    assert await reseal_column_only(Pii(rt)) == 2
    a_row, b_row = await Person.get(id=a.id), await Person.get(id=b.id)
    assert a_row.phone_enc.startswith("v2.") and a_row.phone_enc != b_row.phone_enc
    assert PersonViews(rt).view(a_row).masked_phone == "150****0058"
    # now bound: A's value copied into B does not open there
    await Person.filter(id=b.id).update(phone_enc=a_row.phone_enc)
    with pytest.raises(CipherError, match="another column or row"):
        _ = PersonViews(rt).view(await Person.get(id=b.id)).masked_phone
    assert await reseal_column_only(Pii(rt)) == 0


async def test_old_uploads_still_open_since_their_context_names_the_row(rt):
    import uuid

    from uidp.models.upload import DocumentKind, Upload
    from uidp.services.shared.uploads import Uploads

    upload_id = uuid.uuid4()
    token = column_only(rt, base64.b64encode(b"%PDF-1.7").decode(), f"upload:{upload_id}")
    upload = await Upload.create(
        id=upload_id, kind=DocumentKind.SUPPORTING, content_type="application/pdf", size=8, sha256="0" * 64,
        content_enc=token.encode(), created_at=rt.clock.now(),
    )  # fmt: skip
    assert await Uploads(rt).content(upload) == b"%PDF-1.7"
    moved = await Upload.create(
        id=uuid.uuid4(), kind=DocumentKind.SUPPORTING, content_type="application/pdf", size=8, sha256="0" * 64,
        content_enc=token.encode(), created_at=rt.clock.now(),
    )  # fmt: skip
    with pytest.raises(CipherError):
        await Uploads(rt).content(moved)
