"""What the pieces chosen for structure, Chinese and reposts cost, measured on this project's data.

    .venv/bin/pip install -e '.[bench]'        # jieba, to compare rjieba with
    .venv/bin/python bench/components.py       # after bench/squad.py (its index holds SQuAD's passages)

* segmentation: rjieba (what ccqa uses) against jieba, both with the region's words, on every
  Chinese line of eval/collection/ and eval/heldout/: time and whether they cut alike;
* traditional -> simplified (OpenCC t2s) on the same text;
* the cross-language dictionary: reading CC-CEDICT and the glossary into the entries a build
  matches against its vocabulary;
* reposts: near-duplicate passages found (MinHash + banded LSH, ``index.duplicates``) over
  SQuAD's passages, alone and copied four times, against copies made;
* reading the development collection's PDF (text and ruled tables, pdfplumber) and its Word file.
Times are the best of three runs, in seconds.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import squad

from ccqa.config import MODEL_NAME, Settings
from ccqa.index import Index, versions
from ccqa.index.duplicates import MIN_SHINGLES, SHINGLE, duplicate_groups
from ccqa.ingest.corpus import read_document
from ccqa.lang import bilingual, chinese
from ccqa.lang.terms import terms

REPO = Path(__file__).resolve().parents[1]
COLLECTIONS = [REPO / "eval" / "collection", REPO / "eval" / "heldout"]


def best_of(run: Callable[[], Any], times: int = 3) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(times):
        started = time.perf_counter()
        result = run()
        best = min(best, time.perf_counter() - started)
    return best, result


def chinese_lines() -> list[str]:
    lines = []
    for folder in COLLECTIONS:
        for path in sorted(folder.glob("*")):
            if path.suffix in (".txt", ".md"):
                lines += [line for line in path.read_text(encoding="utf-8").splitlines() if chinese.CJK.search(line)]
    return lines


def segmentation(lines: list[str]) -> dict[str, Any]:
    import jieba

    rjieba = chinese._segmenter()  # with the region's words
    for word, tag in chinese.region_words():
        jieba.add_word(word, chinese.REGION_WORD_FREQUENCY, tag)
    jieba.initialize()
    simple = [chinese.simplified(line) for line in lines]
    r_s, r_cuts = best_of(lambda: [rjieba.cut(line) for line in simple])
    j_s, j_cuts = best_of(lambda: [list(jieba.cut(line)) for line in simple])
    t_s, _ = best_of(lambda: [chinese.simplified(line) for line in lines])
    same = sum(a == b for a, b in zip(r_cuts, j_cuts))
    return {"lines": len(lines), "characters": sum(map(len, lines)), "rjieba_s": round(r_s, 4),
            "jieba_s": round(j_s, 4), "jieba_over_rjieba": round(j_s / r_s, 1),
            "lines_cut_alike": f"{same}/{len(lines)}", "opencc_t2s_s": round(t_s, 4)}


def dictionary() -> dict[str, Any]:
    seconds, entries = best_of(lambda: list(bilingual._entries()), times=1)
    return {"entries": len(entries), "read_s": round(seconds, 2)}


def reposts() -> dict[str, Any]:
    directory = versions.current_dir(squad.index_dir("auto"))
    index = Index.load(directory, MODEL_NAME, Settings().model_sha256)
    passage_terms = [terms(p.text) for p in index.passages]
    dates = [""] * len(passage_terms)
    once_s, once = best_of(lambda: duplicate_groups(passage_terms, dates))
    four_s, four = best_of(lambda: duplicate_groups(passage_terms * 4, dates * 4))
    n = len(passage_terms)

    def original(row: int) -> int:
        return int(four[row]) if four[row] >= 0 else row

    # a copy is found when it is grouped with its original; passages too short to compare are left alone
    long_enough = [i for i in range(n) if len(passage_terms[i]) >= MIN_SHINGLES + SHINGLE - 1]
    found = sum(original(i + copy * n) == original(i) for copy in (1, 2, 3) for i in long_enough)
    return {"passages": n, "duplicates_among_them": int((once >= 0).sum()), "alone_s": round(once_s, 2),
            "passages_x4": 4 * n, "x4_s": round(four_s, 2), "copies_found": f"{found}/{3 * len(long_enough)}",
            "too_short_to_compare": n - len(long_enough)}


def documents() -> list[dict[str, Any]]:
    out = []
    for path in sorted((REPO / "eval" / "collection").glob("*")):
        if path.suffix not in (".pdf", ".docx"):
            continue
        seconds, document = best_of(lambda path=path: read_document(path, path.parent, catalog={}))
        row = {"file": path.name, "read_s": round(seconds, 3), "characters": len(document.text),
               "tables": len(document.structure.tables),
               "table_rows": sum(u.kind == "table_row" for u in document.structure.units)}
        if path.suffix == ".pdf":  # what pdfplumber's table finding adds to pypdf's text
            row["pypdf_text_only_s"] = round(best_of(lambda path=path: _pypdf_text(path))[0], 3)
            row["pdfplumber_tables_s"] = round(best_of(lambda path=path: _pdfplumber_tables(path))[0], 3)
        out.append(row)
    return out


def _pypdf_text(path: Path) -> str:
    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(path).pages)


def _pdfplumber_tables(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return sum(len(page.find_tables()) for page in pdf.pages)


def main() -> int:
    result = {"segmentation": segmentation(chinese_lines()), "dictionary": dictionary(), "reposts": reposts(),
              "documents": documents()}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
