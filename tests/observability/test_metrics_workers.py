"""Several workers: a scrape sums every worker's metrics, on the token route and on UIDP_METRICS_BIND."""

from __future__ import annotations

import httpx
import pytest

from tests.observability.scrape import TOKEN, sample
from tests.serving import free_port, serving

PROBE = {"query": "query Probe { loginMethods { id } }", "operationName": "Probe"}


@pytest.mark.slow
def test_two_workers_share_one_count(tmp_path):
    bind = free_port()
    env = {"UIDP_METRICS_TOKEN": TOKEN, "UIDP_METRICS_BIND": f"127.0.0.1:{bind}"}
    with serving(tmp_path / "data", "--workers", "2", env=env) as served:
        pids = set()
        with httpx.Client(base_url=served.base, timeout=10) as http:
            for _ in range(30):  # a new connection each: the kernel spreads them over both listeners
                response = httpx.post(served.base + "/graphql", json=PROBE, timeout=10)
                assert response.status_code == 200, response.text
            for _ in range(6):
                scraped = http.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})
                assert scraped.status_code == 200
                assert sample(scraped.text, "uidp_request_duration_seconds_count", operation="Probe", result="ok") == 30
            assert http.get("/metrics").status_code == 401
        separate = httpx.get(f"http://127.0.0.1:{bind}/metrics", timeout=10)
        assert separate.status_code == 200
        assert sample(separate.text, "uidp_request_duration_seconds_count", operation="Probe", result="ok") == 30
        for line in served.output().splitlines():
            if '"logger": "uidp.request"' in line and '"operation": "Probe"' in line:
                pids.add(line.split('"worker": ')[1].split("}")[0].split(",")[0])
        assert len(pids) == 2, served.output()[-2000:]
