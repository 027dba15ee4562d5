"""The QR code a scan login shows, drawn from the method's ``qr_payload`` with the ``qrcode`` library.

SVG for pages that can inline it (crisp at any size), PNG as a data URL for those that cannot. Medium error
correction (15 %): a phone camera at a slant reads it, and the payload (about 100 characters) stays small.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
import qrcode.image.pil
import qrcode.image.svg

MAX_PAYLOAD = 1024  # far above any channel's; a method that builds more has a bug


@dataclass(frozen=True)
class QrImages:
    svg: str  # an <svg> element, no XML declaration
    png: str  # data:image/png;base64,...


def qr_images(payload: str) -> QrImages:
    """The payload as SVG markup and as a PNG data URL."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError("a QR payload is 1 to 1024 characters")
    svg = _make(payload, qrcode.image.svg.SvgPathImage, box_size=10)
    png = _make(payload, qrcode.image.pil.PilImage, box_size=8)
    markup = svg.decode("utf-8")
    markup = markup[markup.index("<svg") :]
    return QrImages(markup, "data:image/png;base64," + base64.b64encode(png).decode("ascii"))


def _make(payload: str, factory: type, *, box_size: int) -> bytes:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    code.add_data(payload)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(image_factory=factory).save(out)
    return out.getvalue()
