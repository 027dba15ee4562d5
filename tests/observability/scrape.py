"""Reading a Prometheus scrape in tests: one sample's value by name and labels."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "scrape-token-for-the-tests-0123456789"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of sample ``name`` whose labels include ``labels`` (summed over the others); 0 when absent."""
    total = 0.0
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and all(found.labels.get(k) == v for k, v in labels.items()):
                total += found.value
    return total


async def scrape(client) -> str:
    response = await client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text
