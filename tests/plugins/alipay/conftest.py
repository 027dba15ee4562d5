"""Fixtures for the Alipay tests: the plugin in both key modes, wired to a simulated gateway over httpx's ASGI
transport (real HTTP requests to a real ASGI app), with keys and certificates from ``material``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from plugins.alipay import AlipayConfig, AlipayPlugin
from plugins.alipay.sandbox_gateway import GatewayApp, SimulatedGateway
from tests.plugins.alipay.material import APP_ID, Material, material
from uidp.config import Settings


@pytest.fixture(scope="session")
def keys() -> Material:
    return material()


@pytest.fixture(params=["public_key", "certificate"])
def mode(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def id_type() -> str:
    return "open_id"


@pytest.fixture
def simulated(keys: Material, mode: str, id_type: str) -> SimulatedGateway:
    if mode == "public_key":
        return SimulatedGateway(GatewayApp(APP_ID, keys.app_key.public_key(), id_type=id_type), keys.gateway_key)
    app = GatewayApp(APP_ID, keys.app_key.public_key(), app_cert=keys.app_cert, id_type=id_type)
    return SimulatedGateway(app, keys.gateway_key, signing_cert=keys.gateway_cert, roots=(keys.root, keys.ec_root))


def gateway_transport(simulated: SimulatedGateway) -> httpx.ASGITransport:
    return httpx.ASGITransport(app=Starlette(routes=[Route("/gateway.do", simulated.endpoint, methods=["POST"])]))


@pytest.fixture
def subject(id_type: str) -> str:
    """UIDP_ALIPAY_SUBJECT: the id the plugin keys accounts on (by default the one the gateway gives)."""
    return id_type


@pytest.fixture
def alipay_env(keys: Material, mode: str, subject: str, tmp_path: Path) -> dict[str, str]:
    return {**keys.files(tmp_path / "alipay", mode=mode), "UIDP_ALIPAY_SUBJECT": subject}


@pytest.fixture
def alipay_config(alipay_env: dict[str, str], settings: Settings) -> AlipayConfig:
    return AlipayConfig.from_env(settings, alipay_env)


@pytest.fixture
def alipay(alipay_config: AlipayConfig, simulated: SimulatedGateway) -> AlipayPlugin:
    return AlipayPlugin(alipay_config, transport=gateway_transport(simulated))


@pytest.fixture
def extra_plugins(alipay: AlipayPlugin) -> list[Any]:
    return [alipay]
