"""Opaque cursors for keyset pagination over (timestamp, id), shared by every list that pages."""

from __future__ import annotations

import base64
import binascii
import uuid
from datetime import datetime

from uidp.domain.errors import DomainError, ErrorCode

MAX_PAGE = 100


def encode_cursor(at: datetime, row_id: uuid.UUID) -> str:
    return base64.urlsafe_b64encode(f"{at.isoformat()}|{row_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "after") -> tuple[datetime, uuid.UUID]:
    """The (timestamp, id) a cursor stands for; INVALID_FORMAT on anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, row_id = raw.partition("|")
        moment = datetime.fromisoformat(at)
        if moment.tzinfo is None:
            raise ValueError("naive")
        return moment, uuid.UUID(row_id)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError(ErrorCode.INVALID_FORMAT, "分页游标无效", field) from None


def page_size(first: int) -> int:
    if first < 1:
        raise DomainError(ErrorCode.INVALID_FORMAT, "first 须为正整数", "first")
    return min(first, MAX_PAGE)
