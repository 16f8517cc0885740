"""Health and the documents endpoints."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.api.helpers import (
    assert_error,
    make_document,
)


def test_health(client: FlaskClient) -> None:
    response = client.get("/api/health")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"



def test_document_list_shows_metadata_without_text(client: FlaskClient) -> None:
    listed = client.get("/api/documents").get_json()
    assert listed == [make_document().metadata_dict()]
    assert "text" not in listed[0]



def test_document_by_id_has_its_full_text(client: FlaskClient) -> None:
    assert client.get("/api/documents/doc-1").get_json() == make_document().to_dict()



def test_unknown_document_is_404_json(client: FlaskClient) -> None:
    assert_error(client.get("/api/documents/nope"), 404, "unknown_document")
