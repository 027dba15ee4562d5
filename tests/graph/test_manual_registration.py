"""P1c through HTTP: document uploads (limits, CSRF), pending review, no login before approval."""

from __future__ import annotations

import json

import pytest

from tests.support import PASSWORD
from uidp.models.person import Person
from uidp.models.upload import Upload

pytestmark = pytest.mark.anyio

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.7\n" + b"0" * 200
UPLOAD = """mutation($i: UploadDocumentInput!){ uploadDocument(input:$i){
  __typename ... on UploadedDocument { id kind size contentType } ... on Error { code field message } } }"""


async def upload(client, kind, data, content_type="image/png", *, csrf=True):
    operations = {"query": UPLOAD, "variables": {"i": {"kind": kind, "file": None}}}
    headers = {"x-uidp-csrf": "1"} if csrf else {}
    return await client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.i.file"]})},
        files={"0": ("doc", data, content_type)},
        headers=headers,
    )


async def upload_documents(client):
    """The three documents of a manual registration, uploaded; returns the form's `documents` input."""
    documents = {}
    for field, kind, data, ctype in (
        ("certificateFront", "CERTIFICATE_FRONT", PNG, "image/png"),
        ("certificateBack", "CERTIFICATE_BACK", PNG, "image/png"),
        ("supporting", "SUPPORTING", PDF, "application/pdf"),
    ):
        response = await upload(client, kind, data, ctype)
        documents[field] = response.json()["data"]["uploadDocument"]["id"]
    return documents


def passport_form(**overrides):
    form = {
        "name": "John Smith",
        "certificateType": "FOREIGN_PASSPORT",
        "certificateNumber": "E12345678",
        "gender": "MALE",
        "birthDate": "1980-02-03",
        "phone": "15012340058",
        "password": PASSWORD,
        "passwordConfirmation": PASSWORD,
        "acceptTerms": True,
    }
    form.update(overrides)
    return form


async def test_manual_registration_waits_for_review(api, client, rt):
    ids = {}
    for kind, data, ctype in (
        ("CERTIFICATE_FRONT", PNG, "image/png"),
        ("CERTIFICATE_BACK", PNG, "image/png"),
        ("SUPPORTING", PDF, "application/pdf"),
    ):
        response = await upload(client, kind, data, ctype)
        result = response.json()["data"]["uploadDocument"]
        assert result["__typename"] == "UploadedDocument", result
        ids[kind] = result["id"]
    stored = await Upload.get(id=ids["CERTIFICATE_FRONT"])
    assert PNG not in bytes(stored.content_enc)  # encrypted at rest
    documents = {
        "certificateFront": ids["CERTIFICATE_FRONT"],
        "certificateBack": ids["CERTIFICATE_BACK"],
        "supporting": ids["SUPPORTING"],
    }
    registered = await api.register(passport_form(documents=documents))
    assert registered["__typename"] == "PersonRegistered", registered
    assert registered["needsReview"] is True
    assert registered["account"]["status"] == "PENDING_REVIEW"
    login = await api.login("E12345678")
    assert (login["__typename"], login["code"]) == ("FieldError", "ACCOUNT_PENDING_REVIEW")
    wrong = await api.login("E12345678", "Wrong#2026pw")
    assert wrong["code"] == "INVALID_CREDENTIALS"  # no hint about the state without the password
    # a claimed upload cannot be claimed again
    again = await api.register(passport_form(certificateNumber="E12345679", phone="15012340059", documents=documents))
    assert again["code"] == "UPLOAD_NOT_FOUND"
    assert await Person.all().count() == 1


async def test_manual_registration_needs_documents(api):
    result = await api.register(passport_form())
    assert (result["code"], result["field"]) == ("UPLOAD_REQUIRED", "documents.certificateFront")
    assert await Person.all().count() == 0


async def test_upload_limits(client, rt):
    rt.settings.upload_max_bytes = 1000
    too_big = (await upload(client, "SUPPORTING", PNG + b"\x00" * 1000)).json()["data"]["uploadDocument"]
    assert (too_big["code"], too_big["field"]) == ("UPLOAD_TOO_LARGE", "file")
    exe = (await upload(client, "SUPPORTING", b"MZ\x90\x00" * 10, "application/octet-stream")).json()
    assert exe["data"]["uploadDocument"]["code"] == "UPLOAD_TYPE_NOT_ALLOWED"
    lying = (await upload(client, "SUPPORTING", b"MZ\x90\x00" * 10, "image/png")).json()
    assert lying["data"]["uploadDocument"]["code"] == "UPLOAD_TYPE_NOT_ALLOWED"
    assert await Upload.all().count() == 0


async def test_upload_without_csrf_header_is_refused(client):
    response = await upload(client, "SUPPORTING", PNG, csrf=False)
    assert response.status_code == 400
    assert await Upload.all().count() == 0
