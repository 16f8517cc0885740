"""The 100k-passage corpus of the performance benchmarks: SQuAD dev plus distractor text.

The 48 SQuAD dev articles (as bench/squad.py writes them) come first. The distractors are
documents of 100 paragraphs each; a paragraph is 2 or 3 sentences drawn at random (seed 6)
from all 10,388 sentences of the SQuAD dev contexts (split with ccqa's own splitter), so it
is real encyclopaedic prose with the same vocabulary and the same score distribution as the
real paragraphs, yet never one of them. A paragraph is short enough to be one passage, so
``--passages`` sets the size of the index.

The index folder starts as a copy of the SQuAD index (``bench/squad.py``), so the build
reuses its vectors and embeds only the new distractor passages (their sentences are SQuAD
sentences, already known). It builds as ``ccqa build`` does (the int8 ONNX encoder).

    .venv/bin/python bench/perf_corpus.py                    # ~100k passages
    .venv/bin/python bench/perf_corpus.py --passages 20000   # a smaller one
"""

from __future__ import annotations

import argparse
import logging
import random
import shutil
import sys
import time
from pathlib import Path

from ccqa.config import Settings
from ccqa.index.build import build_index
from ccqa.lang import split_sentences

sys.path.insert(0, str(Path(__file__).resolve().parent))
import squad

WORK = Path(__file__).resolve().parent / "results" / "perf"
PARAGRAPHS_PER_DOCUMENT = 100
SEED = 6


def squad_sentences(corpus: Path) -> list[str]:
    """Every sentence of the SQuAD dev contexts, in corpus order."""
    sentences = []
    for path in sorted(corpus.glob("*.txt")):
        for paragraph in path.read_text(encoding="utf-8").split("\n\n"):
            sentences += [paragraph[s:e] for s, e in split_sentences(paragraph)]
    return sentences


def write_distractors(corpus: Path, pool: list[str], paragraphs: int) -> int:
    """Write ``paragraphs`` distractor paragraphs into ``corpus/distractors/``; returns documents."""
    rng = random.Random(SEED)
    folder = corpus / "distractors"
    folder.mkdir(parents=True, exist_ok=True)
    documents = 0
    for first in range(0, paragraphs, PARAGRAPHS_PER_DOCUMENT):
        count = min(PARAGRAPHS_PER_DOCUMENT, paragraphs - first)
        text = "\n\n".join(" ".join(rng.sample(pool, rng.choice((2, 3)))) for _ in range(count))
        path = folder / f"distractor-{documents:04d}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        documents += 1
    for stale in sorted(folder.glob("distractor-*.txt"))[documents:]:
        stale.unlink()
    return documents


def seed_index_from_squad(index_dir: Path) -> None:
    """Start from the SQuAD index (built by bench/squad.py) so its vectors are reused."""
    source = squad.WORK / "index"
    if index_dir.exists() or not (source / "CURRENT").is_file():
        return
    name = (source / "CURRENT").read_text().strip()
    shutil.copytree(source / "versions" / name, index_dir / "versions" / name)
    (index_dir / "CURRENT").write_text(name + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--passages", type=int, default=100_000, help="about how many passages in all")
    parser.add_argument("--name", default="100k", help="folder name under bench/results/perf/")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")

    settings = Settings(corpus_dir=WORK / args.name / "corpus", index_dir=WORK / args.name / "index")
    squad.write_corpus(settings.corpus_dir)
    pool = squad_sentences(settings.corpus_dir)
    squad_passages = 2549  # what ccqa makes of the 48 articles
    documents = write_distractors(settings.corpus_dir, pool, max(0, args.passages - squad_passages))
    seed_index_from_squad(settings.index_dir)
    started = time.perf_counter()
    report = build_index(settings, progress=True)  # as `ccqa build` does it
    print(report.summary())
    print(f"{documents} distractor documents from {len(pool)} sentences; "
          f"build {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
