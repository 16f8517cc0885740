"""SQuAD v1.1 dev as an external retrieval benchmark, through the same path as a user's documents.

Each of the 48 articles becomes a ``.txt`` file in a corpus folder (paragraphs separated by a
blank line), ``ccqa build`` indexes it, and all 10,570 questions are asked in each mode. A hit
is a passage from the gold paragraph; "answer@1" is a gold answer text inside the top passage.

    .venv/bin/python bench/squad.py                      # hybrid, dense, bm25 side by side
    .venv/bin/python bench/squad.py --sweep              # also try fusion weights
    .venv/bin/python bench/squad.py --encoder torch      # PyTorch fp32 for documents and questions

By default the index is built as ``ccqa build`` builds it and each question is encoded as
the server encodes it (the int8 ONNX encoder saved with the index).
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed import serving_encoder
from ccqa.embed.model import verified_model_path
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.lang.terms import terms
from ccqa.search.retrieve import FusionParams, Query, search

SQUAD = Path(__file__).resolve().parent / "data" / "squad-dev" / "squad-dev-v1.1-reconstructed.json.gz"
WORK = Path(__file__).resolve().parent / "results" / "squad"


@dataclass(frozen=True)
class SquadQuestion:
    question: str
    doc_id: str
    paragraph: int  # index into that article's paragraph starts
    answers: tuple[str, ...]


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def write_corpus(corpus: Path) -> tuple[list[SquadQuestion], dict[str, list[int]]]:
    """One .txt per article; returns the questions and each article's paragraph start offsets."""
    data = json.loads(gzip.decompress(SQUAD.read_bytes()))["data"]
    corpus.mkdir(parents=True, exist_ok=True)
    questions: list[SquadQuestion] = []
    starts: dict[str, list[int]] = {}
    for article in data:
        doc_id = slug(article["title"])
        text, offsets = "", []
        for number, paragraph in enumerate(article["paragraphs"]):
            context = paragraph["context"].strip()
            if text:
                text += "\n\n"
            offsets.append(len(text))
            text += context
            for qa in paragraph["qas"]:
                questions.append(SquadQuestion(qa["question"], doc_id, number,
                                               tuple(a["text"] for a in qa["answers"])))
        path = corpus / f"{doc_id}.txt"
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        starts[doc_id] = offsets
    return questions, starts


def index_dir(encoder: str) -> Path:
    return WORK / ("index" if encoder == "auto" else f"index-{encoder}")


def served_queries(settings: Settings, texts: list[str]) -> tuple[Index, list[Query], float]:
    """The built index and each question as the server would encode it; ms per question."""
    directory = versions.current_dir(settings.index_dir)
    index = Index.load(directory, MODEL_NAME, settings.model_sha256)
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    encoder = serving_encoder(settings, model_path, directory, index.manifest.onnx)
    started = time.perf_counter()
    vectors = encoder.encode(texts)
    encode_ms = 1000 * (time.perf_counter() - started) / len(texts)
    return index, [Query(t, v, terms(t)) for t, v in zip(texts, vectors)], encode_ms


def paragraph_of(index: Index, row: int, starts: dict[str, list[int]]) -> tuple[str, int]:
    passage = index.passages[row]
    return passage.doc_id, bisect.bisect_right(starts[passage.doc_id], passage.start) - 1


def run_mode(index: Index, queries: list[Query], questions: list[SquadQuestion], starts: dict[str, list[int]],
             mode: str, fusion: FusionParams) -> dict[str, float]:
    ranks, answer_at_1 = [], 0
    started = time.perf_counter()
    for query, question in zip(queries, questions):
        hits = search(index, query, k=20, mode=mode, fusion=fusion)
        gold = (question.doc_id, question.paragraph)
        rank = None
        for position, hit in enumerate(hits, 1):
            row = hit.row
            if paragraph_of(index, row, starts) == gold:
                rank = position
                break
        ranks.append(rank)
        if hits and any(a in hits[0].passage.text for a in question.answers):
            answer_at_1 += 1
    n = len(questions)
    return {
        "recall@1": sum(r is not None and r <= 1 for r in ranks) / n,
        "recall@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "recall@20": sum(r is not None and r <= 20 for r in ranks) / n,
        "mrr@10": sum(1 / r for r in ranks if r is not None and r <= 10) / n,
        "answer@1": answer_at_1 / n,
        "ms_per_question": 1000 * (time.perf_counter() - started) / n,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions")
    parser.add_argument("--sweep", action="store_true", help="also report other fusion weights")
    parser.add_argument("--full", action="store_true", help="rebuild the index from scratch (times the build)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--encoder", choices=("auto", "torch"), default="auto",
                        help="auto: as ccqa builds and serves (int8 ONNX); torch: PyTorch fp32 throughout")
    args = parser.parse_args()

    settings = Settings(corpus_dir=WORK / "corpus", index_dir=index_dir(args.encoder), encoder=args.encoder)
    questions, starts = write_corpus(settings.corpus_dir)
    if args.limit:
        questions = questions[: args.limit]
    report = build_index(settings, full=args.full, progress=sys.stderr.isatty())
    print(report.summary(), file=sys.stderr)
    index, queries, encode_ms = served_queries(settings, [q.question for q in questions])

    results: dict[str, dict[str, float]] = {}
    default = FusionParams()
    for mode in ("hybrid", "dense", "bm25"):
        results[mode] = run_mode(index, queries, questions, starts, mode, default)
    if args.sweep:  # dense / best-sentence / BM25 weights; the default is 0.2 / 0.4 / 0.4
        for dense_w, sentence_w, lexical_w in ((0.5, 0.0, 0.5), (0.25, 0.25, 0.5), (0.0, 0.5, 0.5), (0.3, 0.3, 0.4)):
            fusion = FusionParams(dense_weight=dense_w, sentence_weight=sentence_w, lexical_weight=lexical_w)
            results[f"hybrid {dense_w}/{sentence_w}/{lexical_w}"] = run_mode(index, queries, questions, starts,
                                                                            "hybrid", fusion)
    meta = {"questions": len(questions), "passages": len(index), "documents": len(index.documents),
            "build_seconds": round(report.seconds, 1), "build_published": report.published,
            "passages_embedded": report.passages_embedded, "sentences_embedded": report.sentences_embedded,
            "query_encode_ms": round(encode_ms, 2)}
    print(json.dumps(meta))
    print("| mode | R@1 | R@5 | R@20 | MRR@10 | answer@1 | search ms/q |\n|---|---|---|---|---|---|---|")
    for mode, r in results.items():
        print(f"| {mode} | {r['recall@1']:.3f} | {r['recall@5']:.3f} | {r['recall@20']:.3f} | "
              f"{r['mrr@10']:.3f} | {r['answer@1']:.3f} | {r['ms_per_question']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
