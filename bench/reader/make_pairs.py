"""The reader's training and evaluation examples: each question of a collection asked through
ccqa's own retrieval, with the candidates the reader would read at question time, labelled.

A candidate is a positive when it is in the question's document, overlaps the writer's
evidence and quotes one of the answers; the answer's place in it is the span label. SQuAD
questions are asked of an index of their own articles (positives: the gold paragraph's sentence
holding the answer). The output is one JSON line per question, read by ``train_reader.py``.

    .venv/bin/python bench/reader/make_pairs.py writers            # every writer's batch
    .venv/bin/python bench/reader/make_pairs.py squad --questions 2000
    .venv/bin/python bench/reader/make_pairs.py eval               # eval/collection and eval/heldout
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from ccqa.answer.candidates import ReaderCandidate, candidates_for
from ccqa.answer.followup import resolve_follow_up
from ccqa.config import Settings
from ccqa.index.build import build_index
from ccqa.service import ANSWER_POOL, QA

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
WORK = ROOT / "bench" / "results" / "reader"
SQUAD = ROOT / "bench" / "data" / "squad-dev" / "squad-dev-v1.1-reconstructed.json.gz"
SQUAD_HELD_OUT_EVERY = 5  # articles 0, 5, ..., 45 of the sorted titles (10) are never trained on
SEED = 20261203


@dataclass(frozen=True)
class Asked:
    qid: str
    source: str
    question: str
    history: tuple[str, ...]
    answers: tuple[str, ...]
    doc: str | None
    evidence: str | None
    unanswerable: bool
    meta: dict[str, str]


def _number(text: str) -> str | None:
    match = re.search(r"\d[\d,.]*", text)
    return match.group(0).rstrip(".,") if match else None


def label(candidate: ReaderCandidate, asked: Asked, doc_id: str, doc_text: str) -> tuple[int, list[int] | None]:
    """(1, [start, end]) for a candidate that answers, else (0, None). The candidate must be the
    writer's evidence: in its document and overlapping it, or (a repost) quoting it whole."""
    if asked.unanswerable or asked.doc is None:
        return 0, None
    quoted = candidate.text[:candidate.quotable]
    first = candidate.pieces[0].doc_start
    last = candidate.pieces[-1].doc_start + candidate.pieces[-1].end - candidate.pieces[-1].start
    at = doc_text.find(asked.evidence) if asked.evidence else -1
    if doc_id == asked.doc:
        if at >= 0 and (last <= at or first >= at + len(asked.evidence or "")):
            return 0, None
    elif not asked.evidence or not (asked.evidence in quoted or quoted.strip() in asked.evidence):
        return 0, None
    for answer in asked.answers:
        for probe in (answer, _number(answer)):
            if not probe:
                continue
            found = quoted.find(probe)
            while found >= 0:
                if candidate.document_span(found, found + len(probe)) is not None:
                    return 1, [found, found + len(probe)]
                found = quoted.find(probe, found + 1)
    return 0, None


def writer_questions(folder: Path) -> Iterator[Asked]:
    for number, line in enumerate((folder / "questions.jsonl").read_text("utf-8").splitlines()):
        if not line.strip():
            continue
        row = json.loads(line)
        yield Asked(f"{folder.name}-{number}", folder.name, row["q"], tuple(row.get("history", [])),
                    tuple(row.get("answers", [])), row.get("doc"), row.get("evidence"),
                    bool(row.get("unanswerable")), {"set": row.get("set", ""), "kind": row.get("kind", "")})


def eval_questions(path: Path, source: str) -> Iterator[Asked]:
    for number, line in enumerate(path.read_text("utf-8").splitlines()):
        if line.strip():
            row = json.loads(line)
            yield Asked(f"{source}-{number}", source, row["q"], tuple(row.get("history", [])),
                        tuple(row.get("answers", [])), row.get("doc"), None, bool(row.get("unanswerable")),
                        {"set": row.get("set", ""), "kind": row.get("kind", "")})


def ask_all(corpus: Path, questions: list[Asked], out: Path) -> dict[str, int]:
    """Index ``corpus``, ask every question, write the labelled candidates to ``out``."""
    index_dir = WORK / "indexes" / out.stem
    settings = Settings(corpus_dir=corpus, index_dir=index_dir)
    build_index(settings)
    qa = QA.open(settings)
    documents = qa.index.documents
    by_file = {Path(d.path).name: d.doc_id for d in documents.values()}
    counts = {"questions": 0, "answerable": 0, "gold_in_pool": 0}
    with out.open("w", encoding="utf-8") as sink:
        for asked in questions:
            resolved = resolve_follow_up(asked.question, list(asked.history))
            hits = qa.retrieve(asked.question, resolved, k=ANSWER_POOL).hits
            candidates = candidates_for(hits, documents)
            gold_doc = by_file.get(asked.doc or "", asked.doc or "")
            asked = replace(asked, doc=gold_doc)
            rows = []
            for candidate in candidates:
                doc_id = hits[candidate.hit_index].passage.doc_id
                positive, span = label(candidate, asked, doc_id, documents[doc_id].text)
                rows.append({"text": candidate.text, "quotable": candidate.quotable, "label": positive,
                             "span": span, "hit": candidate.hit_index, "doc": doc_id})
            counts["questions"] += 1
            counts["answerable"] += not asked.unanswerable
            counts["gold_in_pool"] += any(r["label"] for r in rows)
            sink.write(json.dumps({"qid": asked.qid, "source": asked.source, "question": asked.question,
                                   "history": list(asked.history), "answers": list(asked.answers),
                                   "unanswerable": asked.unanswerable, **asked.meta, "candidates": rows},
                                  ensure_ascii=False) + "\n")
    return counts


def writer_corpus(folder: Path) -> Path:
    """A writer's docs with its catalog beside them, as ``ccqa build`` reads a corpus."""
    corpus = WORK / "corpora" / folder.name
    if corpus.exists():
        shutil.rmtree(corpus)
    shutil.copytree(folder / "docs", corpus)
    shutil.copy(folder / "catalog.json", corpus / "catalog.json")
    return corpus


def squad_corpus(held_out: bool, limit: int) -> tuple[Path, list[Asked]]:
    data = sorted(json.loads(gzip.decompress(SQUAD.read_bytes()))["data"], key=lambda a: a["title"])
    corpus = WORK / "corpora" / ("squad-heldout" if held_out else "squad-train")
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    questions: list[Asked] = []
    for number, article in enumerate(data):
        if (number % SQUAD_HELD_OUT_EVERY == 0 and number // SQUAD_HELD_OUT_EVERY < 10) != held_out:
            continue
        name = re.sub(r"[^a-z0-9]+", "-", article["title"].lower()).strip("-") + ".txt"
        paragraphs = [p["context"].strip() for p in article["paragraphs"]]
        text = "\n\n".join(paragraphs)
        (corpus / name).write_text(text, encoding="utf-8")
        for p, paragraph in zip(article["paragraphs"], paragraphs):
            for qa in p["qas"]:
                answers = tuple(dict.fromkeys(a["text"] for a in qa["answers"]))
                sentence = next((s for s in re.split(r"(?<=[.!?])\s+", paragraph) if answers[0] in s), paragraph)
                questions.append(Asked(f"squad-{qa['id']}", "squad", qa["question"], (), answers, name,
                                       sentence, False, {"set": "en", "kind": "squad"}))
    random.Random(SEED).shuffle(questions)
    return corpus, questions[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["writers", "squad", "squad-heldout", "eval"])
    parser.add_argument("--questions", type=int, default=2000)
    parser.add_argument("--only", nargs="*", help="writer folders to (re)do")
    args = parser.parse_args()
    (WORK / "pairs").mkdir(parents=True, exist_ok=True)
    jobs: list[tuple[Path, list[Asked], Path]] = []
    if args.what == "writers":
        for folder in sorted((HERE / "collection").glob("w*")):
            if args.only and folder.name not in args.only:
                continue
            if (folder / "questions.jsonl").exists():
                jobs.append((writer_corpus(folder), list(writer_questions(folder)),
                             WORK / "pairs" / f"{folder.name}.jsonl"))
    elif args.what.startswith("squad"):
        corpus, questions = squad_corpus(args.what == "squad-heldout", args.questions)
        jobs.append((corpus, questions, WORK / "pairs" / f"{corpus.name}.jsonl"))
    else:
        for name in ("collection", "heldout"):
            jobs.append((ROOT / "eval" / name, list(eval_questions(ROOT / "eval" / f"{name}.jsonl", name)),
                         WORK / "pairs" / f"eval-{name}.jsonl"))
    for corpus, questions, out in jobs:
        counts = ask_all(corpus, questions, out)
        print(out.name, counts, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
