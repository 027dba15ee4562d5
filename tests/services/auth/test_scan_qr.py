"""The scan login's QR images: the modules qrcode computes for the payload, drawn as SVG and PNG."""

from __future__ import annotations

import base64
import io
import re

import pytest
import qrcode
import qrcode.constants
import qrcode.image.pil
from PIL import Image

from uidp.services.auth.scan_qr import BORDER, PNG_BOX, qr_images, qr_matrix

PAYLOAD = "ehuiban://login?ticket=" + "A1b2" * 11


def reference_pixels(payload: str) -> Image.Image:
    """qrcode's own PNG of the payload, at the same error correction, box size and border."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=PNG_BOX, border=BORDER)
    code.add_data(payload)
    code.make(fit=True)
    return code.make_image(image_factory=qrcode.image.pil.PilImage).get_image().convert("1")


def test_the_png_is_qrcodes_own_picture_of_the_payload():
    images = qr_images(PAYLOAD)
    assert images.png.startswith("data:image/png;base64,")
    ours = Image.open(io.BytesIO(base64.b64decode(images.png.split(",", 1)[1]))).convert("1")
    reference = reference_pixels(PAYLOAD)
    assert ours.size == reference.size
    assert ours.tobytes() == reference.tobytes()


def test_the_svg_draws_every_dark_module_once():
    matrix = qr_matrix(PAYLOAD)
    svg = qr_images(PAYLOAD).svg
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert f'viewBox="0 0 {len(matrix)} {len(matrix)}"' in svg
    drawn = {(int(x), int(y)) for x, y in re.findall(r"M(\d+),(\d+)h1v1h-1z", svg)}
    dark = {(x, y) for y, row in enumerate(matrix) for x, module in enumerate(row) if module}
    assert drawn == dark and dark


@pytest.mark.parametrize("payload", ["", "x" * 1025])
def test_payloads_out_of_bounds_are_refused(payload):
    with pytest.raises(ValueError):
        qr_images(payload)
