"""Document uploads (P1c and appeals): size and type limits, content checked by magic bytes, encrypted."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from uidp.domain.errors import DomainError, ErrorCode
from uidp.models.upload import DocumentKind, Upload
from uidp.runtime import Runtime
from uidp.services.shared.audit import Audit
from uidp.services.shared.principal import ClientInfo
from uidp.services.shared.request_limits import limit_per_client

# Declared type -> the magic bytes the content must start with. Anything else is refused.
ALLOWED_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
}


def document_field(kind: DocumentKind) -> str:
    """The input field a document kind arrives in: CERTIFICATE_FRONT -> documents.certificateFront."""
    head, *rest = kind.value.lower().split("_")
    return "documents." + head + "".join(part.capitalize() for part in rest)


def parse_document_ids(given: Mapping[DocumentKind, object | None]) -> dict[DocumentKind, uuid.UUID]:
    """Upload ids from a form (None entries skipped); a malformed id is UPLOAD_NOT_FOUND on its field."""
    found: dict[DocumentKind, uuid.UUID] = {}
    for kind, value in given.items():
        if value:
            try:
                found[kind] = uuid.UUID(str(value))
            except ValueError:
                raise DomainError(
                    ErrorCode.UPLOAD_NOT_FOUND, "上传的文件不存在，请重新上传", document_field(kind)
                ) from None
    return found


class Uploads:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt

    async def store(
        self, kind: DocumentKind, content_type: str, data: bytes, client: ClientInfo, *, field: str = "file"
    ) -> Upload:
        """Check and keep one document; it stays unclaimed until a registration or appeal claims it.

        Uploads are anonymous, so each client address may store ``uploads_per_client_hour`` an hour; the
        attempt is counted before anything is checked or stored (RATE_LIMITED past it).
        """
        await limit_per_client(self.rt, "upload", client, per_hour=self.rt.settings.uploads_per_client_hour)
        limit = self.rt.settings.upload_max_bytes
        if not data:
            raise DomainError(ErrorCode.UPLOAD_REQUIRED, "请选择要上传的文件", field)
        if len(data) > limit:
            raise DomainError(ErrorCode.UPLOAD_TOO_LARGE, f"文件不能超过{limit // (1024 * 1024)}MB", field, limit=limit)
        declared = (content_type or "").split(";")[0].strip().lower()
        magics = ALLOWED_TYPES.get(declared)
        if magics is None or not data.startswith(magics):
            raise DomainError(ErrorCode.UPLOAD_TYPE_NOT_ALLOWED, "仅支持JPG、PNG或PDF格式的文件", field)
        upload_id = uuid.uuid4()
        sealed = self.rt.cipher.encrypt(
            base64.b64encode(data).decode(), context=f"upload:{upload_id}", row=str(upload_id)
        )
        upload = await Upload.create(
            id=upload_id,
            kind=kind,
            content_type=declared,
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            content_enc=sealed.encode(),
            created_at=self.rt.clock.now(),
        )
        await Audit(self.rt).record(
            "upload.stored", client=client, upload_id=str(upload_id), kind=kind.value, size=len(data)
        )
        return upload

    async def claim(self, documents: Mapping[DocumentKind, uuid.UUID], *, owner: tuple[str, uuid.UUID]) -> None:
        """Attach unclaimed uploads of the right kinds to an owner (inside the caller's transaction)."""
        for kind, upload_id in documents.items():
            claimed = await Upload.filter(
                id=upload_id, kind=kind, owner_id__isnull=True, created_at__gte=self._expired_before()
            ).update(owner_kind=owner[0], owner_id=owner[1])
            if claimed != 1:
                raise DomainError(
                    ErrorCode.UPLOAD_NOT_FOUND,
                    "上传的文件不存在或已被使用，请重新上传",
                    document_field(kind),
                )

    def _expired_before(self) -> datetime:
        return self.rt.clock.now() - timedelta(seconds=self.rt.settings.upload_ttl_seconds)

    async def sweep_unclaimed(self) -> int:
        """Delete uploads nobody claimed within ``upload_ttl_seconds``; returns how many went.

        Claiming refuses an expired upload too, so the TTL holds whenever the sweep runs. A claim racing the
        sweep either commits first (the row is owned and stays) or finds nothing (UPLOAD_NOT_FOUND).
        """
        deleted = await Upload.filter(owner_id__isnull=True, created_at__lt=self._expired_before()).delete()
        if deleted:
            await Audit(self.rt).record("uploads.swept", count=deleted)
        return deleted

    async def content(self, upload: Upload) -> bytes:
        """The decrypted bytes (staff review)."""
        token = bytes(upload.content_enc).decode()
        context = f"upload:{upload.id}"
        if token.startswith("v1."):  # sealed before rows were bound, but its context always named the row
            return base64.b64decode(self.rt.cipher.decrypt_column_only(token, context=context))
        return base64.b64decode(self.rt.cipher.decrypt(token, context=context, row=str(upload.id)))
