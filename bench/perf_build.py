"""Build throughput beside plain ``model.encode``, and one-document incremental builds at 100k.

Full builds index the first ``--articles`` SQuAD dev articles into a fresh folder (passages
and their sentences are embedded, BM25 and FAISS built, files written, checked, published).
The baseline encodes the same passage texts with ``SentenceTransformer.encode`` (batch 32,
its default) and does nothing else. The incremental build adds one new document to the 100k
corpus with the ``ccqa build`` command, then removes it again.

    .venv/bin/python bench/perf.py build
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import squad
from perf_corpus import WORK

from ccqa import store
from ccqa.build import build_index
from ccqa.config import MODEL_NAME, Settings
from ccqa.embedding import TorchEncoder, verified_model_path
from ccqa.index import Index
from ccqa.onnx_encoder import OnnxEncoder, export_onnx

CCQA = Path(sys.executable).parent / "ccqa"
NEW_DOCUMENT = """The Chengdu Plain was irrigated by the Dujiangyan system, built around 256 BC.

The system divides the Min River into an inner and an outer stream without a dam. It still
waters more than five thousand square kilometres of farmland. Its designer, Li Bing, was the
governor of Shu under the state of Qin."""


class TimedEncoder:
    """Wraps an encoder to add up the time spent embedding."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dimension, self.seconds = inner, inner.name, inner.dimension, 0.0

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)  # type: ignore[no-any-return]
        finally:
            self.seconds += time.perf_counter() - started


def _full_build(corpus: Path, encoder: Any, root: Path) -> dict[str, Any]:
    settings = Settings(corpus_dir=corpus, index_dir=root / "index")
    timed = TimedEncoder(encoder)
    started = time.perf_counter()
    report = build_index(settings, full=True, encoder=timed)
    return {"seconds": time.perf_counter() - started, "embed_seconds": timed.seconds,
            "passages": report.passages, "texts_embedded": report.passages_embedded + report.sentences_embedded}


def _cli_build(settings: Settings) -> float:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "CCQA_CORPUS_DIR": str(settings.corpus_dir),
           "CCQA_INDEX_DIR": str(settings.index_dir)}
    started = time.perf_counter()
    subprocess.run([str(CCQA), "build"], env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def build_throughput(args: argparse.Namespace) -> dict[str, Any]:
    from sentence_transformers import SentenceTransformer

    model_path = verified_model_path(None, Settings().model_sha256)
    squad.write_corpus(squad.WORK / "corpus")
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        for path in sorted((squad.WORK / "corpus").glob("*.txt"))[: args.articles]:
            shutil.copy(path, corpus / path.name)
        result["ccqa build (PyTorch)"] = _full_build(corpus, TorchEncoder(model_path), Path(tmp) / "a")
        onnx = Path(tmp) / "fp32.onnx"
        export_onnx(model_path, onnx, quantize=False)
        result["ccqa build (ONNX fp32 encoder)"] = _full_build(corpus, OnnxEncoder(onnx, model_path, threads=2),
                                                               Path(tmp) / "b")
        index = Index.load(store.current_dir(Path(tmp) / "a" / "index"), MODEL_NAME, Settings().model_sha256)
        texts = [p.text for p in index.passages]
        model = SentenceTransformer(str(model_path), device="cpu")
        model.encode(texts[:32])
        started = time.perf_counter()
        model.encode(texts)
        seconds = time.perf_counter() - started
        result["plain model.encode (passages only)"] = {"seconds": seconds, "embed_seconds": seconds,
                                                        "passages": len(texts), "texts_embedded": len(texts)}

    print(f"\nfull builds of {args.articles} SQuAD dev articles, 2 torch/onnx threads\n")
    print("| what | passages | texts embedded | seconds | of which embedding | passages/s | vs plain |")
    print("|---|---|---|---|---|---|---|")
    plain = result["plain model.encode (passages only)"]
    for name, r in result.items():
        rate = r["passages"] / r["seconds"]
        print(f"| {name} | {r['passages']:,} | {r['texts_embedded']:,} | {r['seconds']:.1f} | "
              f"{r['embed_seconds']:.1f} | {rate:.1f} | {rate / (plain['passages'] / plain['seconds']):.2f}x |")

    big = Settings(corpus_dir=WORK / "100k" / "corpus", index_dir=WORK / "100k" / "index")
    if store.current_version(big.index_dir) is not None:
        added = big.corpus_dir / "added" / "dujiangyan.txt"
        added.parent.mkdir(exist_ok=True)
        added.write_text(NEW_DOCUMENT, encoding="utf-8")
        try:
            result["incremental add"] = _cli_build(big)
        finally:
            added.unlink()
        result["incremental remove"] = _cli_build(big)
        passages = Index.load(store.current_dir(big.index_dir), MODEL_NAME, big.model_sha256, verify=False)
        print(f"\n`ccqa build` on the {len(passages):,}-passage corpus: adding one document "
              f"{result['incremental add']:.1f} s, removing it again {result['incremental remove']:.1f} s")
    return result
