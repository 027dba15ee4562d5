"""Uploads through HTTP: unclaimed ones expire and are swept; anonymous uploads are limited per address."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.graph.test_manual_registration import PNG, passport_form, upload, upload_documents
from uidp.chores import start_chores, stop_chores
from uidp.models.audit import AuditEvent
from uidp.models.person import Person
from uidp.models.upload import Upload
from uidp.services.shared.uploads import Uploads

pytestmark = pytest.mark.anyio


async def test_an_unclaimed_upload_expires_and_is_swept(api, client, clock, rt):
    documents = await upload_documents(client)
    clock.advance(rt.settings.upload_ttl_seconds + 1)
    fresh = (await upload(client, "SUPPORTING", PNG)).json()["data"]["uploadDocument"]
    # expired before any sweep ran: the registration cannot claim it
    refused = await api.register(passport_form(documents=documents))
    assert (refused["code"], refused["field"]) == ("UPLOAD_NOT_FOUND", "documents.certificateFront"), refused
    assert await Person.all().count() == 0

    assert await Uploads(rt).sweep_unclaimed() == 3
    assert [str(row.id) for row in await Upload.all()] == [fresh["id"]]
    assert (await AuditEvent.get(event_type="uploads.swept")).details["count"] == 3


async def test_a_claimed_upload_outlives_the_ttl(api, client, clock, rt):
    registered = await api.register(passport_form(documents=await upload_documents(client)))
    assert registered["__typename"] == "PersonRegistered", registered
    clock.advance(rt.settings.upload_ttl_seconds * 10)
    assert await Uploads(rt).sweep_unclaimed() == 0
    assert await Upload.filter(owner_id=registered["account"]["id"]).count() == 3


async def test_each_worker_sweeps_from_its_lifespan(app, client, clock, rt):
    assert "sweep-uploads" in [task.get_name() for task in app.state.chores]
    assert not any(task.done() for task in app.state.chores)
    assert (await upload(client, "SUPPORTING", PNG)).json()["data"]["uploadDocument"]["id"]
    clock.advance(rt.settings.upload_ttl_seconds + 1)
    rt.settings.upload_sweep_seconds = 1  # the lifespan's own chore waits 10 minutes; run one at 1 s
    chores = start_chores(rt)
    try:
        for _ in range(50):
            if await Upload.all().count() == 0:
                break
            await asyncio.sleep(0.1)
        assert await Upload.all().count() == 0
    finally:
        await stop_chores(chores)
    assert all(task.cancelled() for task in chores)


async def test_anonymous_uploads_are_limited_per_address_under_concurrency(app, client, rt):
    rt.settings.uploads_per_client_hour = 5
    responses = await asyncio.gather(*(upload(client, "SUPPORTING", PNG) for _ in range(12)))
    results = [response.json()["data"]["uploadDocument"] for response in responses]
    stored = [r for r in results if r["__typename"] == "UploadedDocument"]
    limited = [r for r in results if r["__typename"] == "RateLimited"]
    assert (len(stored), len(limited)) == (5, 7), results
    assert await Upload.all().count() == 5
    # another address has its own allowance
    transport = httpx.ASGITransport(app=app, client=("198.51.100.20", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as other:
        assert (await upload(other, "SUPPORTING", PNG)).json()["data"]["uploadDocument"]["__typename"] == (
            "UploadedDocument"
        )
