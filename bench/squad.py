"""SQuAD v1.1 dev as an external retrieval benchmark, through the same path as a user's documents.

Each of the 48 articles becomes a ``.txt`` file in a corpus folder (paragraphs separated by a
blank line), ``ccqa build`` indexes it, and all 10,570 questions are asked in each mode. A hit
is a passage from the gold paragraph; "answer@1" is a gold answer text inside the top passage.

    .venv/bin/python bench/squad.py                      # hybrid, dense, bm25 side by side
    .venv/bin/python bench/squad.py --sweep              # also try fusion weights
    .venv/bin/python bench/squad.py --encoder torch      # PyTorch fp32 for documents and questions
    .venv/bin/python bench/squad.py --spans              # also the exact answer: SQuAD EM and F1
    .venv/bin/python bench/squad.py --spans --held-out   # only the 10 articles nothing was trained on

By default the index is built as ``ccqa build`` builds it and each question is encoded as
the server encodes it (the int8 ONNX encoder saved with the index).
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import json
import re
import string
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ccqa.answer.compose import answer_from, exact_answer, weigh
from ccqa.answer.question import read_question
from ccqa.config import MODEL_NAME, Settings
from ccqa.data import Hit
from ccqa.embed import serving_encoder
from ccqa.embed.model import verified_model_path
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.lang.terms import terms
from ccqa.search.retrieve import FusionParams, Query, search
from ccqa.service import ANSWER_POOL

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


def held_out_articles() -> set[str]:
    """The 10 articles the reader and the sentence ranker never trained on: titles sorted, every
    5th from the first (``bench/reader/make_pairs.py``'s split)."""
    titles = sorted(article["title"] for article in json.loads(gzip.decompress(SQUAD.read_bytes()))["data"])
    return {slug(title) for number, title in enumerate(titles) if number % 5 == 0 and number // 5 < 10}


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


# --- the exact answer, scored as SQuAD scores a reader ----------------------------------------

def normalize_answer(text: str) -> str:
    """SQuAD v1.1's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def exact_match(prediction: str, golds: tuple[str, ...]) -> float:
    return float(any(normalize_answer(prediction) == normalize_answer(g) for g in golds))


def token_f1(prediction: str, golds: tuple[str, ...]) -> float:
    """The best bag-of-tokens F1 against any gold answer (SQuAD's F1)."""
    predicted = normalize_answer(prediction).split()
    best = 0.0
    for gold in golds:
        wanted = normalize_answer(gold).split()
        common = sum((Counter(predicted) & Counter(wanted)).values())
        if common:
            precision, recall = common / len(predicted), common / len(wanted)
            best = max(best, 2 * precision * recall / (precision + recall))
    return best


@dataclass
class SpanScores:
    """EM and F1 summed over questions, over those given a span, and the sentences holding the answer."""

    n: int = 0
    em: float = 0.0
    f1: float = 0.0
    spans: int = 0
    span_em: float = 0.0
    span_f1: float = 0.0
    sentence_has_answer: int = 0

    def add(self, prediction: str, has_span: bool, sentence: str, golds: tuple[str, ...]) -> None:
        em, f1 = exact_match(prediction, golds), token_f1(prediction, golds)
        self.n += 1
        self.em += em
        self.f1 += f1
        self.spans += has_span
        self.span_em += em if has_span else 0.0
        self.span_f1 += f1 if has_span else 0.0
        self.sentence_has_answer += any(normalize_answer(g) in normalize_answer(sentence) for g in golds)

    def report(self) -> dict[str, float]:
        n, spans = max(self.n, 1), max(self.spans, 1)
        return {"em": self.em / n, "f1": self.f1 / n, "span_rate": self.spans / n,
                "em_when_span": self.span_em / spans, "f1_when_span": self.span_f1 / spans,
                "sentence_has_answer": self.sentence_has_answer / n}


def paragraph_hits(index: Index, starts: dict[str, list[int]]) -> dict[tuple[str, int], list[Hit]]:
    """Each paragraph's passages, as a reader given that paragraph reads it."""
    by_paragraph: dict[tuple[str, int], list[Hit]] = {}
    for row, passage in enumerate(index.passages):
        by_paragraph.setdefault(paragraph_of(index, row, starts), []).append(Hit(passage, 0.0, 0.0, 0.0, row))
    return by_paragraph


def run_spans(index: Index, queries: list[Query], questions: list[SquadQuestion],
              starts: dict[str, list[int]]) -> dict[str, dict[str, float]]:
    """SQuAD EM/F1 of what ccqa shows, three ways: as served (not found scores 0), the best
    sentence's answer whatever the no-answer decision, and given the gold paragraph only
    (a reader's setting). The prediction is the span when one is given, else the sentence."""
    served, forced, paragraph = SpanScores(), SpanScores(), SpanScores()
    gold = paragraph_hits(index, starts)
    for query, question in zip(queries, questions):
        hits = search(index, query, k=ANSWER_POOL, mode="hybrid")
        read = read_question(question.question)
        answer = answer_from(read, query.vector, hits, index, "hybrid", shown=5)
        shown = answer.answer
        if answer.found and shown is not None:
            served.add(shown.span.text if shown.span else shown.text, shown.span is not None, shown.text,
                       question.answers)
        else:
            served.add("", False, "", question.answers)
        for scores, pool in ((forced, hits), (paragraph, gold.get((question.doc_id, question.paragraph), []))):
            _, choice, _ = weigh(read, query.vector, pool, index)
            if choice.best is None:
                scores.add("", False, "", question.answers)
                continue
            hit = pool[choice.best.hit_index]
            document = index.documents[hit.passage.doc_id]
            sentence = " ".join(choice.best.texts(hit))
            span = exact_answer(read, choice.best, hit, document)
            scores.add(span.text if span else sentence, span is not None, sentence, question.answers)
    return {"served": served.report(), "best sentence": forced.report(), "gold paragraph": paragraph.report()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--limit", type=int, default=0, help="ask only the first N questions")
    parser.add_argument("--held-out", action="store_true",
                        help="ask only the 10 articles no trained part of ccqa saw (every 5th title, sorted)")
    parser.add_argument("--sweep", action="store_true", help="also report other fusion weights")
    parser.add_argument("--full", action="store_true", help="rebuild the index from scratch (times the build)")
    parser.add_argument("--json", type=Path, help="write the results here as JSON")
    parser.add_argument("--spans", action="store_true",
                        help="also score the exact answer with SQuAD's EM and F1 (served, forced, gold paragraph)")
    parser.add_argument("--encoder", choices=("auto", "torch"), default="auto",
                        help="auto: as ccqa builds and serves (int8 ONNX); torch: PyTorch fp32 throughout")
    args = parser.parse_args()

    settings = Settings(corpus_dir=WORK / "corpus", index_dir=index_dir(args.encoder), encoder=args.encoder)
    questions, starts = write_corpus(settings.corpus_dir)
    if args.held_out:
        held = held_out_articles()
        questions = [q for q in questions if q.doc_id in held]
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
    spans = run_spans(index, queries, questions, starts) if args.spans else {}
    if spans:
        print("\n| exact answer | EM | F1 | span given | EM when span | F1 when span | sentence holds answer |\n"
              "|---|---|---|---|---|---|---|")
        for setting, r in spans.items():
            print(f"| {setting} | {r['em']:.3f} | {r['f1']:.3f} | {r['span_rate']:.3f} | {r['em_when_span']:.3f} | "
                  f"{r['f1_when_span']:.3f} | {r['sentence_has_answer']:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "results": results, "spans": spans}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
