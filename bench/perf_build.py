"""Build throughput beside plain ``model.encode``, and one-document incremental builds at 100k.

Full builds index the first ``--articles`` SQuAD dev articles into a fresh folder (the ONNX
export, passages and their sentences embedded, BM25 and FAISS built, files written, checked,
published): as ``ccqa build`` does it (int8 ONNX, one text per core) and with PyTorch
(``CCQA_ENCODER=torch``, how ccqa built before). The baseline encodes the same passage texts
with ``SentenceTransformer.encode`` (batch 32, its default) and does nothing else; a second
baseline row encodes every text ccqa embeds (passages and sentences) the same way. The
incremental build adds one new document to the 100k corpus with the ``ccqa build`` command,
then removes it again.

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
from unittest import mock

import numpy as np
import squad
from perf_corpus import WORK

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed.model import verified_model_path
from ccqa.index import Index, build, versions
from ccqa.index.build import build_index

CCQA = Path(sys.executable).parent / "ccqa"
NEW_DOCUMENT = """The Chengdu Plain was irrigated by the Dujiangyan system, built around 256 BC.

The system divides the Min River into an inner and an outer stream without a dam. It still
waters more than five thousand square kilometres of farmland. Its designer, Li Bing, was the
governor of Shu under the state of Qin."""


class TimedEncoder:
    """Wraps an encoder to add up the time spent embedding."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.name, self.dimension, self.variant = inner, inner.name, inner.dimension, inner.variant
        self.seconds = 0.0

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        try:
            return self.inner.encode(texts, batch_size=batch_size, progress=progress)  # type: ignore[no-any-return]
        finally:
            self.seconds += time.perf_counter() - started


def _full_build(corpus: Path, root: Path, encoder: str) -> dict[str, Any]:
    """``build_index`` as the CLI calls it, with the encoder it picks timed."""
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", encoder=encoder)
    timed: list[TimedEncoder] = []
    real_build_encoder = build.build_encoder

    def timed_build_encoder(*args: Any, **kwargs: Any) -> TimedEncoder:
        timed.append(TimedEncoder(real_build_encoder(*args, **kwargs)))
        return timed[-1]

    started = time.perf_counter()
    with mock.patch.object(build, "build_encoder", timed_build_encoder):
        report = build_index(settings, full=True)
    return {"seconds": time.perf_counter() - started, "embed_seconds": timed[0].seconds,
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
        result["ccqa build (int8 ONNX, as shipped)"] = _full_build(corpus, Path(tmp) / "a", "auto")
        result["ccqa build with PyTorch (CCQA_ENCODER=torch)"] = _full_build(corpus, Path(tmp) / "b", "torch")
        index = Index.load(versions.current_dir(Path(tmp) / "a" / "index"), MODEL_NAME, Settings().model_sha256)
        passages = [p.text for p in index.passages]
        every_text = list(dict.fromkeys(passages + [s for p in index.passages for s in p.sentence_texts()]))
        model = SentenceTransformer(str(model_path), device="cpu")
        model.encode(passages[:32])
        for name, texts in (("plain model.encode (passages only)", passages),
                            ("plain model.encode (passages and sentences, as ccqa)", every_text)):
            started = time.perf_counter()
            model.encode(texts)
            seconds = time.perf_counter() - started
            result[name] = {"seconds": seconds, "embed_seconds": seconds, "passages": len(passages),
                            "texts_embedded": len(texts)}

    print(f"\nfull builds of {args.articles} SQuAD dev articles, 2 cores\n")
    print("| what | passages | texts embedded | seconds | of which embedding | passages/s | vs plain "
          "| embedding texts/s | vs plain |")
    print("|---|---|---|---|---|---|---|---|---|")
    plain = result["plain model.encode (passages only)"]
    plain_rate = plain["passages"] / plain["seconds"]
    plain_texts = plain["texts_embedded"] / plain["seconds"]
    for name, r in result.items():
        rate, texts_rate = r["passages"] / r["seconds"], r["texts_embedded"] / r["embed_seconds"]
        print(f"| {name} | {r['passages']:,} | {r['texts_embedded']:,} | {r['seconds']:.1f} | "
              f"{r['embed_seconds']:.1f} | {rate:.1f} | {rate / plain_rate:.2f}x | {texts_rate:.0f} | "
              f"{texts_rate / plain_texts:.2f}x |")

    big = Settings(corpus_dir=WORK / "100k" / "corpus", index_dir=WORK / "100k" / "index")
    if versions.current_version(big.index_dir) is not None:
        added = big.corpus_dir / "added" / "dujiangyan.txt"
        added.parent.mkdir(exist_ok=True)
        added.write_text(NEW_DOCUMENT, encoding="utf-8")
        try:
            result["incremental add"] = _cli_build(big)
        finally:
            added.unlink()
        result["incremental remove"] = _cli_build(big)
        passages = Index.load(versions.current_dir(big.index_dir), MODEL_NAME, big.model_sha256, verify=False)
        print(f"\n`ccqa build` on the {len(passages):,}-passage corpus: adding one document "
              f"{result['incremental add']:.1f} s, removing it again {result['incremental remove']:.1f} s")
    return result
