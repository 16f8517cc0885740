"""The admin endpoints: token, uploads that stay inside the corpus, background rebuild, reload."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ccqa.api.admin import corpus_name
from ccqa.api.app import create_app
from ccqa.api.errors import ApiError
from ccqa.api.jobs import build_in_child_process
from ccqa.config import Settings
from ccqa.errors import BuildFailed
from ccqa.index import versions
from ccqa.index.build import BuildReport
from ccqa.service import QA
from tests.api.helpers import response_validator
from tests.index_fixtures import (
    MONORAIL,
    TOKEN,
    HashingEncoder,
    fast_build,
    tiny_settings,
)

AUTH = {"Authorization": f"Bearer {TOKEN}"}



def admin_app(settings: Settings, build: Callable[[Settings], Any] = fast_build) -> Flask:
    app = create_app(settings, qa=QA.open(settings, encoder=HashingEncoder()))
    if settings.admin_token:
        app.extensions["ccqa.admin"].build = build
    return app



@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return tiny_settings(tmp_path)



@pytest.fixture
def client(settings: Settings) -> FlaskClient:
    return admin_app(settings).test_client()



def upload(
    client: FlaskClient,
    name: str,
    data: bytes | str,
    headers: dict[str, str] | None = None,
    **fields: str,
) -> Any:
    body = data.encode("utf-8") if isinstance(data, str) else data
    return client.post(
        "/api/admin/documents",
        data={"file": (io.BytesIO(body), name), **fields},
        headers=AUTH if headers is None else headers,
        content_type="multipart/form-data",
    )



def error_code(response: Any, status: int) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    code: str = response.get_json()["error"]["code"]
    return code



def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}



def wait_for_job(client: FlaskClient, job_id: str, deadline_s: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/admin/rebuild/{job_id}", headers=AUTH).get_json()
        if job["status"] != "running":
            return job
        time.sleep(0.02)
    raise AssertionError(f"rebuild job {job_id} still running after {deadline_s}s")



def top_doc(client: FlaskClient, question: str) -> str:
    body = client.post("/api/ask", json={"question": question}).get_json()
    doc_id: str = body["passages"][0]["citation"]["doc_id"]
    return doc_id



@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/admin/documents"),
        ("POST", "/api/admin/rebuild"),
        ("GET", "/api/admin/rebuild/0123456789abcdef"),
        ("POST", "/api/admin/reload"),
    ],
)
def test_admin_is_off_without_a_token(tmp_path: Path, method: str, path: str) -> None:
    client = admin_app(tiny_settings(tmp_path, admin_token="")).test_client()
    assert error_code(client.open(path, method=method, headers=AUTH), 404) == "not_found"
    assert not any(p.startswith("/api/admin") for p in client.get("/api/openapi.json").get_json()["paths"])



@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": f"Bearer {TOKEN[:-1]}"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": "Bearer "},
        {"Authorization": TOKEN},
    ],
)
def test_admin_refuses_a_missing_or_wrong_token_with_401(
    client: FlaskClient, settings: Settings, headers: dict[str, str]
) -> None:
    before = tree(settings.corpus_dir)
    for response in (
        upload(client, "new.txt", "Some text.", headers=headers),
        client.post("/api/admin/rebuild", headers=headers),
        client.post("/api/admin/reload", headers=headers),
    ):
        assert error_code(response, 401) == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert tree(settings.corpus_dir) == before
    assert not (settings.index_dir / ".jobs").exists()



def test_upload_stores_the_file_and_its_catalog_metadata(client: FlaskClient, settings: Settings) -> None:
    response = upload(
        client,
        "monorail.txt",
        MONORAIL,
        title="Monorail plan",
        publisher="Chongqing Transport",
        date="2031-01",
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["path"] == "monorail.txt" and body["doc_id"] == "monorail" and body["replaced"] is False
    assert body["title"] == "Monorail plan" and body["chars"] == len(MONORAIL)
    assert (settings.corpus_dir / "monorail.txt").read_text(encoding="utf-8") == MONORAIL
    catalog = json.loads((settings.corpus_dir / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["monorail.txt"] == {
        "title": "Monorail plan",
        "publisher": "Chongqing Transport",
        "date": "2031-01",
    }
    assert catalog["river.txt"] == {"title": "The River"}  # other entries kept
    assert sorted(p.name for p in settings.corpus_dir.iterdir()) == [
        ".catalog.lock",
        "catalog.json",
        "monorail.txt",
        "railway.txt",
        "river.txt",
        "tea.md",
    ]



def test_upload_without_metadata_leaves_the_catalog_alone(client: FlaskClient, settings: Settings) -> None:
    before = (settings.corpus_dir / "catalog.json").read_bytes()
    assert upload(client, "note.md", "# Note\n\nA short note.").status_code == 201
    assert (settings.corpus_dir / "catalog.json").read_bytes() == before



@pytest.mark.parametrize(
    "name",
    [
        "../evil.txt",
        "/etc/passwd",
        "sub/../../x.txt",
        "..",
        "/abs/evil.txt",
        "...",
        "",
        "a/../../../../tmp/evil.txt",
        "a" * 300 + ".txt",
        "./../evil.txt",
    ],
)
def test_upload_names_that_could_escape_the_corpus_are_refused(
    client: FlaskClient, settings: Settings, tmp_path: Path, name: str
) -> None:
    before = tree(tmp_path)
    response = upload(client, name, "Escaped text.")
    assert error_code(response, 400) in {"invalid_filename", "missing_file"}
    assert tree(tmp_path) == before
    assert not Path("/etc/evil.txt").exists() and not Path("/tmp/evil.txt").exists()



@pytest.mark.parametrize(
    ("name", "stored"),
    [
        ("Plan 2021.TXT", "Plan_2021.TXT"),
        ("sub/dir/note.md", "sub_dir_note.md"),
        (".hidden.txt", "hidden.txt"),
    ],
)
def test_upload_names_are_flattened_to_safe_names(
    client: FlaskClient, settings: Settings, name: str, stored: str
) -> None:
    assert upload(client, name, "Plain text.").get_json()["path"] == stored
    assert (settings.corpus_dir / stored).is_file()



@pytest.mark.parametrize(
    "name",
    [  # backslashes do not survive the test client's multipart encoding
        "..\\evil.txt",
        "C:\\Windows\\evil.txt",
        "sub\\..\\..\\x.txt",
        "\\\\server\\share\\x.txt",
        "a\x00.txt",
        "  ",
    ],
)
def test_windows_style_and_odd_names_are_refused(name: str) -> None:
    with pytest.raises(ApiError) as refused:
        corpus_name(name)
    assert refused.value.status == 400



def test_chinese_file_name_gets_a_stable_ascii_name() -> None:
    assert corpus_name("成渝规划.txt") == corpus_name("成渝规划.txt")
    assert corpus_name("成渝规划.txt").startswith("upload-") and corpus_name("成渝规划.txt").endswith(".txt")
    with pytest.raises(ApiError):
        corpus_name("../成渝.txt")



@pytest.mark.parametrize("name", ["tool.exe", "data.json", "catalog.json", "Makefile", "page.php"])
def test_unsupported_type_is_415(client: FlaskClient, settings: Settings, name: str) -> None:
    before = tree(settings.corpus_dir)
    assert error_code(upload(client, name, "text"), 415) == "unsupported_document_type"
    assert tree(settings.corpus_dir) == before



@pytest.mark.parametrize("size", [4097, 200_000])  # over the file limit; over the whole-body limit
def test_upload_over_the_size_limit_is_413(client: FlaskClient, settings: Settings, size: int) -> None:
    before = tree(settings.corpus_dir)
    assert error_code(upload(client, "big.txt", b"x" * size), 413) in {
        "upload_too_large",
        "body_too_large",
    }
    assert tree(settings.corpus_dir) == before
    assert upload(client, "fits.txt", b"y" * 4096).status_code == 201



@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty document"),
        (b"  \n\t\n", "empty document"),
        (b"text with a \x00 NUL byte", "binary content"),
        ("Café crème brûlée, à la carte.".encode("latin-1"), "undecodable text"),
    ],
)
def test_unreadable_document_is_422_with_its_reason_and_not_kept(
    client: FlaskClient, settings: Settings, data: bytes, reason: str
) -> None:
    before = tree(settings.corpus_dir)
    response = upload(client, "railway.txt", data)  # would replace a good document
    assert error_code(response, 422) == "bad_document"
    assert reason in response.get_json()["error"]["message"]
    assert tree(settings.corpus_dir) == before
    assert not [p for p in settings.corpus_dir.iterdir() if p.name.startswith(".upload-")]



def test_upload_without_a_file_field_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/api/admin/documents",
        data={"title": "x"},
        headers=AUTH,
        content_type="multipart/form-data",
    )
    assert error_code(response, 400) == "missing_file"



def test_malformed_catalog_is_not_overwritten(client: FlaskClient, settings: Settings) -> None:
    (settings.corpus_dir / "catalog.json").write_text("{not json", encoding="utf-8")
    assert error_code(upload(client, "a.txt", "Some text.", title="A"), 409) == "invalid_catalog"
    assert (settings.corpus_dir / "catalog.json").read_text(encoding="utf-8") == "{not json"
    assert not (settings.corpus_dir / "a.txt").exists()



def test_rebuild_job_indexes_the_upload_and_reload_serves_it(client: FlaskClient, settings: Settings) -> None:
    old_version = versions.current_version(settings.index_dir)
    assert upload(client, "monorail.txt", MONORAIL, title="Monorail plan").status_code == 201
    started = client.post("/api/admin/rebuild", headers=AUTH)
    assert started.status_code == 202 and started.headers["Location"].endswith(started.get_json()["job"])
    job = wait_for_job(client, started.get_json()["job"])
    assert job["status"] == "succeeded", job
    assert job["report"]["added"] == ["monorail"] and job["report"]["published"] is True
    assert job["finished_at"] and job["error"] is None

    question = "When did the Zephyr monorail open?"
    assert client.post("/api/ask", json={"question": question}).get_json()["index_version"] == old_version
    reloaded = client.post("/api/admin/reload", headers=AUTH).get_json()
    assert reloaded == {
        "reloaded": True,
        "index_version": job["report"]["version"],
        "published_version": job["report"]["version"],
    }
    assert top_doc(client, question) == "monorail"
    assert client.post("/api/admin/reload", headers=AUTH).get_json()["reloaded"] is False



def test_second_rebuild_while_one_runs_is_409(settings: Settings) -> None:
    release = threading.Event()

    def slow_build(s: Settings) -> BuildReport:
        assert release.wait(30)
        return fast_build(s)

    client = admin_app(settings, build=slow_build).test_client()
    first = client.post("/api/admin/rebuild", headers=AUTH)
    assert first.status_code == 202
    assert error_code(client.post("/api/admin/rebuild", headers=AUTH), 409) == "build_running"
    release.set()
    assert wait_for_job(client, first.get_json()["job"])["status"] == "succeeded"
    assert client.post("/api/admin/rebuild", headers=AUTH).status_code == 202



def test_rebuild_is_409_while_another_process_holds_the_build_lock(client: FlaskClient, settings: Settings) -> None:
    with versions.build_lock(settings.index_dir):
        assert error_code(client.post("/api/admin/rebuild", headers=AUTH), 409) == "build_running"



def test_failed_rebuild_reports_its_error(settings: Settings) -> None:
    (settings.corpus_dir / "catalog.json").write_text("[]", encoding="utf-8")
    client = admin_app(settings).test_client()
    job = wait_for_job(client, client.post("/api/admin/rebuild", headers=AUTH).get_json()["job"])
    assert job["status"] == "failed" and "catalog.json" in job["error"] and job["report"] is None



def test_job_left_running_by_a_dead_worker_reports_failed(client: FlaskClient, settings: Settings) -> None:
    jobs = settings.index_dir / ".jobs"
    jobs.mkdir()
    record = {"job": "00000000000000aa", "status": "running", "started_at": "2030-01-01T00:00:00Z",
              "finished_at": None, "report": None, "error": None}
    (jobs / "00000000000000aa.json").write_text(json.dumps(record), encoding="utf-8")
    job = client.get("/api/admin/rebuild/00000000000000aa", headers=AUTH).get_json()
    assert job["status"] == "failed" and "stopped during the build" in job["error"] and job["finished_at"]



@pytest.mark.parametrize("job_id", ["0123456789abcdef", "../../CURRENT", "nope"])
def test_unknown_job_is_404(client: FlaskClient, job_id: str) -> None:
    assert error_code(client.get(f"/api/admin/rebuild/{job_id}", headers=AUTH), 404) in {
        "unknown_job",
        "not_found",
    }



def test_openapi_describes_the_admin_routes_and_their_responses(client: FlaskClient, settings: Settings) -> None:
    spec = client.get("/api/openapi.json").get_json()
    app_routes = {
        r.rule.replace("<path:doc_id>", "{doc_id}").replace("<job_id>", "{job_id}")
        for r in client.application.url_map.iter_rules()
        if r.rule.startswith("/api/")
    }
    assert app_routes == set(spec["paths"])
    assert spec["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"

    def check(response: Any, path: str, method: str) -> None:
        response_validator(spec, path, method, response.status_code).validate(response.get_json())

    check(upload(client, "monorail.txt", MONORAIL, title="Monorail"), "/api/admin/documents", "post")
    check(upload(client, "../x.txt", "x"), "/api/admin/documents", "post")
    check(upload(client, "x.exe", "x"), "/api/admin/documents", "post")
    check(upload(client, "x.txt", b""), "/api/admin/documents", "post")
    check(upload(client, "x.txt", "x", headers={}), "/api/admin/documents", "post")
    started = client.post("/api/admin/rebuild", headers=AUTH)
    check(started, "/api/admin/rebuild", "post")
    job_path = f"/api/admin/rebuild/{started.get_json()['job']}"
    wait_for_job(client, started.get_json()["job"])
    check(client.get(job_path, headers=AUTH), "/api/admin/rebuild/{job_id}", "get")
    check(
        client.get("/api/admin/rebuild/0123456789abcdef", headers=AUTH),
        "/api/admin/rebuild/{job_id}",
        "get",
    )
    check(client.post("/api/admin/reload", headers=AUTH), "/api/admin/reload", "post")


def test_the_servers_rebuild_is_a_ccqa_build_child_process_with_the_servers_settings(tmp_path: Path) -> None:
    """The real build path (no fake encoder): a child process reports like ``ccqa build --json``,
    reads the server's settings (not the environment's), and its failure is the job's error."""
    corpus = tmp_path / "elsewhere" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "monorail.txt").write_text(MONORAIL, encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "elsewhere" / "index")
    report = build_in_child_process(settings)
    assert report["added"] == ["monorail"] and report["published"] is True
    assert versions.current_version(settings.index_dir) == report["version"]

    (corpus / "catalog.json").write_text("[]", encoding="utf-8")
    with pytest.raises(BuildFailed, match="catalog.json"):
        build_in_child_process(settings)
    assert versions.current_version(settings.index_dir) == report["version"]  # the previous index stays
