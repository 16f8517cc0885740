"""The app under test, over the fake QA service."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ccqa.api.app import create_app
from tests.api.helpers import (
    SETTINGS,
    FakeQA,
)


@pytest.fixture
def fake_qa() -> FakeQA:
    return FakeQA()



@pytest.fixture
def app(fake_qa: FakeQA) -> Flask:
    return create_app(SETTINGS, qa=fake_qa)



@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()



@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.get("/api/openapi.json").get_json()
    return spec
