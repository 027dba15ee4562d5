"""The QR code a scan login shows, drawn from the method's ``qr_payload`` with the ``qrcode`` library.

SVG for pages that can inline it (crisp at any size), PNG as a data URL for those that cannot. Medium error
correction (15 %): a phone camera at a slant reads it, and the payload (about 100 characters) stays small.
The code is made once (qrcode picks the version and the best of the eight masks) and both images are drawn
from its module matrix: qrcode's own image factories would make it twice and draw slower, and each
``startLogin`` of a scan method pays for it (bench/scan.py).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import qrcode
import qrcode.constants
from PIL import Image

MAX_PAYLOAD = 1024  # far above any channel's; a method that builds more has a bug
BORDER = 4  # modules of quiet zone, as the standard asks
PNG_BOX = 8  # pixels a module


@dataclass(frozen=True)
class QrImages:
    svg: str  # an <svg> element, no XML declaration
    png: str  # data:image/png;base64,...


def qr_matrix(payload: str) -> list[list[bool]]:
    """The code's modules, quiet zone included (True is dark)."""
    if not payload or len(payload) > MAX_PAYLOAD:
        raise ValueError("a QR payload is 1 to 1024 characters")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=BORDER)
    code.add_data(payload)
    code.make(fit=True)
    return [[bool(module) for module in row] for row in code.get_matrix()]


def qr_images(payload: str) -> QrImages:
    """The payload as SVG markup and as a PNG data URL."""
    matrix = qr_matrix(payload)
    return QrImages(_svg(matrix), "data:image/png;base64," + base64.b64encode(_png(matrix)).decode("ascii"))


def _svg(matrix: list[list[bool]]) -> str:
    size = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{size * 4}mm" '
        f'height="{size * 4}mm" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def _png(matrix: list[list[bool]]) -> bytes:
    size = len(matrix)
    image = Image.new("1", (size, size), 1)
    image.putdata([0 if dark else 1 for row in matrix for dark in row])
    image = image.resize((size * PNG_BOX, size * PNG_BOX), Image.Resampling.NEAREST)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()
