"""Check a writer's batch of the reader's training collection before it is used.

Each batch lives in `bench/reader/collection/<writer>/`: `docs/` (the documents, .txt or .md),
`catalog.json` (title, publisher, source, date per file) and `questions.jsonl`. A question whose
answer or evidence is not verbatim in its document would teach the reader a wrong sentence, so
every such line is an error here.

    python bench/reader/check_collection.py bench/reader/collection/w1 [...]
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

SETS = {"en", "zh", "cross"}
KINDS = {"factoid", "keyword", "paraphrase", "typo", "followup", "table", "years", "nearmiss"}
SUFFIXES = {".txt", ".md"}


def _is_chinese(text: str) -> bool:
    return len(re.findall(r"[\u4e00-\u9fff]", text)) >= 2


def check_batch(folder: Path) -> tuple[list[str], Counter]:
    """Return the errors of one batch and counts by set, kind and answerability."""
    errors: list[str] = []
    counts: Counter = Counter()
    writer = folder.name
    catalog_path = folder / "catalog.json"
    catalog = json.loads(catalog_path.read_text("utf-8")) if catalog_path.exists() else {}
    if not catalog:
        errors.append(f"{catalog_path}: missing or empty")
    docs = {p.name: p.read_text("utf-8") for p in (folder / "docs").glob("*") if p.is_file()}
    for name in docs:
        if Path(name).suffix not in SUFFIXES:
            errors.append(f"docs/{name}: only .txt and .md documents")
        entry = catalog.get(name)
        if not entry or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(entry.get("date", ""))):
            errors.append(f"catalog.json: {name} needs title, publisher, source and date YYYY-MM-DD")
    for name in catalog:
        if name not in docs:
            errors.append(f"catalog.json: {name} has no file in docs/")
    counts["docs"] = len(docs)
    counts["docs_zh"] = sum(_is_chinese(t[:400]) for t in docs.values())
    path = folder / "questions.jsonl"
    lines = path.read_text("utf-8").splitlines() if path.exists() else []
    seen: set[str] = set()
    for number, line in enumerate(lines, 1):
        where = f"questions.jsonl:{number}"
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            errors.append(f"{where}: not JSON ({error})")
            continue
        q = row.get("q", "")
        if not isinstance(q, str) or not q.strip():
            errors.append(f"{where}: empty q")
            continue
        key = q.strip().lower() + "|" + "|".join(row.get("history", []))
        if key in seen:
            errors.append(f"{where}: duplicate question {q!r}")
        seen.add(key)
        if row.get("writer") != writer:
            errors.append(f"{where}: writer must be {writer!r}")
        if row.get("set") not in SETS:
            errors.append(f"{where}: set must be one of {sorted(SETS)}")
        if row.get("kind") not in KINDS:
            errors.append(f"{where}: kind must be one of {sorted(KINDS)}")
        history = row.get("history", [])
        if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
            errors.append(f"{where}: history must be a list of earlier questions")
        if row.get("kind") == "followup" and not history:
            errors.append(f"{where}: a followup needs its history")
        answers = row.get("answers")
        if not isinstance(answers, list):
            errors.append(f"{where}: answers must be a list")
            continue
        if row.get("unanswerable"):
            counts["unanswerable"] += 1
            if answers:
                errors.append(f"{where}: an unanswerable question has answers []")
            continue
        counts["answerable"] += 1
        counts[f"set:{row.get('set')}"] += 1
        counts[f"kind:{row.get('kind')}"] += 1
        doc = row.get("doc")
        text = docs.get(doc)
        if text is None:
            errors.append(f"{where}: doc {doc!r} is not in docs/")
            continue
        evidence = row.get("evidence", "")
        if not answers or not all(isinstance(a, str) and a for a in answers):
            errors.append(f"{where}: answerable questions need answer strings")
            continue
        if not isinstance(evidence, str) or not evidence or evidence not in text:
            errors.append(f"{where}: evidence must be an exact substring of {doc}")
            continue
        if not any(a in evidence for a in answers):
            errors.append(f"{where}: no answer string occurs inside the evidence")
        question_zh = _is_chinese(q)
        doc_zh = _is_chinese(evidence) or _is_chinese(text[:400])
        expected = "cross" if question_zh != doc_zh else ("zh" if question_zh else "en")
        if row.get("set") != expected:
            errors.append(f"{where}: set should be {expected!r} (question vs document language)")
    return errors, counts


def main(argv: list[str]) -> int:
    status = 0
    for folder in map(Path, argv or sorted(Path(__file__).parent.joinpath("collection").glob("*"))):
        errors, counts = check_batch(folder)
        total = counts["answerable"] + counts["unanswerable"]
        share = counts["unanswerable"] / total if total else 0.0
        print(f"{folder.name}: {counts['docs']} docs ({counts['docs_zh']} Chinese), {total} questions,"
              f" {share:.0%} unanswerable; " + ", ".join(
                  f"{k}={v}" for k, v in sorted(counts.items()) if ":" in k))
        for error in errors:
            print("  " + error)
        status |= bool(errors)
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
