"""A small fake QA service built from real dataclasses, and helpers for the API tests."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pytest
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ccqa.config import Settings
from ccqa.data import Answer, AnswerSentence, Citation, CitedPassage, Document, Page, Span
from ccqa.errors import BadQuestion

GDP_SENTENCE = ("The Chengdu-Chongqing economic circle achieved a regional GDP of "
                "7.39192 trillion yuan in 2021.")



DOC_TEXT = "Open Governance\n\nConstruction accelerates.\n\n" + GDP_SENTENCE + " Growth was 8.5%."



def make_document() -> Document:
    return Document(doc_id="doc-1", path="circle.txt", title="Circle Accelerates", text=DOC_TEXT,
                    publisher="Sichuan Government", date="2022-06",
                    pages=(Page(1, 0, len(DOC_TEXT)),))



class FakeQA:
    """Answers GDP questions from one document, says not found otherwise, records calls."""

    index_version = "test-v1"
    model_name = "fake-model"

    def __init__(self) -> None:
        self.doc = make_document()
        self.calls: list[dict[str, Any]] = []
        self.reloads = 0

    def ask(self, question: str, *, k: int = 5, history: Sequence[str] = (),
            mode: str = "hybrid", answers: Sequence[str] = ()) -> Answer:
        self.calls.append({"question": question, "k": k, "history": history, "mode": mode,
                           "answers": tuple(answers)})
        if mode not in ("hybrid", "dense", "bm25"):
            raise BadQuestion(f"unknown mode {mode!r}")
        start = DOC_TEXT.index(GDP_SENTENCE)
        passage_end = len(DOC_TEXT)
        citation = Citation(doc_id="doc-1", title=self.doc.title, source=None,
                            passage_id="p-1", start=start, end=passage_end, page=1,
                            publisher=self.doc.publisher)
        passage = CitedPassage(text=DOC_TEXT[start:passage_end], score=0.83, citation=citation,
                               highlight=Span(start, start + len(GDP_SENTENCE)))
        found = "gdp" in question.lower()
        sentence = AnswerSentence(GDP_SENTENCE, 0, "doc-1", start, start + len(GDP_SENTENCE))
        return Answer(question=question, resolved_question=question, found=found,
                      message="" if found else "Not found in the documents.",
                      answer=sentence if found else None, passages=(passage,), mode=mode,
                      confidence=0.9 if found else 0.1)

    def documents(self) -> list[Document]:
        return [self.doc]

    def document(self, doc_id: str) -> Document | None:
        return self.doc if doc_id == self.doc.doc_id else None

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "index_version": self.index_version, "passages": 3,
                "documents": 1, "model": self.model_name, "encoder": "fake"}

    def maybe_reload(self) -> bool:
        self.reloads += 1
        return False



SETTINGS = Settings(max_k=8, max_body_bytes=2048, max_question_chars=200, max_history=3,
                    max_history_chars=100)



def ask(client: FlaskClient, body: Any, **kwargs: Any) -> Any:
    return client.post("/api/ask", json=body, **kwargs)



def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.data
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"code", "message"} and error["message"]
    if code is not None:
        assert error["code"] == code
    return error



def response_validator(spec: dict[str, Any], path: str, method: str, status: int
                       ) -> Draft202012Validator:
    """A validator for the JSON schema the spec declares for this operation and status."""
    pointer = "/".join(["#", "paths", path.replace("~", "~0").replace("/", "~1"), method,
                        "responses", str(status), "content", "application~1json", "schema"])
    registry: Registry[Any] = Registry().with_resource(
        "urn:ccqa:openapi", Resource.from_contents(spec, default_specification=DRAFT202012))
    return Draft202012Validator({"$ref": "urn:ccqa:openapi" + pointer}, registry=registry)



def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "ccqa.access"]
