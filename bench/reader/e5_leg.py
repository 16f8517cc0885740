"""Would multilingual-e5-small (untrained) as one more retrieval signal help where ccqa's
search has none? Today a Chinese question is ranked on BM25 alone and a passage in the other
language on its terms alone (all-MiniLM-L6-v2 reads English only). Here every passage of a
set is embedded with e5 (``passage: ``), the question with ``query: ``, and the cosines are
z-scored *within each passage language* (e5 ranks the question's own language first) and added
with weight ``w`` to the hybrid search's fused score; e5's own top ``n`` passages of each
language join the candidates. Figures: the top passage and the top 5 holding a gold answer
(``ccqa eval``'s rule), per question language group. ``w`` is chosen on some writers' batches
and reported on the others.

    .venv/bin/python bench/reader/e5_leg.py --sets w3 w4 w5 --weights 0 0.2 0.4 0.7 1.0
    .venv/bin/python bench/reader/e5_leg.py --sets w1 w2 heldout dev --weights 0 <chosen>
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from e5_scorer import E5Scorer
from run_eval import sets

from ccqa.answer.followup import resolve_follow_up
from ccqa.cache import default_cache_dir
from ccqa.config import Settings
from ccqa.embed.e5_base import ensure_base_model
from ccqa.evaluate import _contains_any, read_questions
from ccqa.search.retrieve import FusionParams, _zscores, distinct_hits, hybrid_scores
from ccqa.service import QA

FUSION = FusionParams()


def z_within(values: np.ndarray, langs: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values))
    for lang in set(langs):
        mask = langs == lang
        out[mask] = _zscores(values[mask])
    return out


def ranked(index, query, e5_cos: np.ndarray, langs_all: np.ndarray, weight: float, extra: int,
           fusion: FusionParams = FUSION, k: int = 5) -> list[int]:
    """search()'s hybrid ranking (rows), with the e5 signal added; at most one per block and text."""
    n = fusion.candidates
    dense_rows, _ = index.dense_search(query.vector, n)
    lexical_all = index.lexical_scores(query.terms)
    lexical_rows = np.argsort(-lexical_all, kind="stable")[:n]
    pools = [dense_rows, lexical_rows]
    if weight > 0:
        for lang in set(langs_all):
            mask = np.where(langs_all == lang)[0]
            pools.append(mask[np.argsort(-e5_cos[mask], kind="stable")[:extra]])
    rows = np.unique(np.concatenate(pools))
    dense = index.dense_scores(query.vector, rows)
    lexical = lexical_all[rows]
    fused = hybrid_scores(index, query, rows, dense, lexical, fusion)
    if weight > 0:
        fused = fused + weight * z_within(e5_cos[rows], langs_all[rows])
    return [hit.row for hit in distinct_hits(index, rows, fused, dense, lexical, k)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", required=True)
    parser.add_argument("--weights", type=float, nargs="+", required=True)
    parser.add_argument("--extra", type=int, default=10, help="e5's top passages of each language added to the candidates")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    e5 = E5Scorer(ensure_base_model(default_cache_dir()))
    writers = sorted(p.name for p in (HERE / "collection").glob("w*"))
    chosen = {name: (q, c, i) for name, q, c, i in sets(writers)}
    results: dict = {}
    for name in args.sets:
        questions_path, corpus, index_dir = chosen[name]
        qa = QA.open(Settings.from_env(index_dir=index_dir, corpus_dir=corpus, cache_size=0, reader=False))
        index = qa.index
        passages = index.passages
        texts = ["passage: " + passages[r].text for r in range(len(passages))]
        vectors = e5.embed(texts)
        langs_all = np.asarray([passages[r].lang for r in range(len(passages))])
        questions = [q for q in read_questions(questions_path) if not q.unanswerable]
        for weight in args.weights:
            tally: dict[str, list[int]] = {}
            for q in questions:
                resolved = resolve_follow_up(q.q, list(q.history))
                query = qa.retrieve(q.q, resolved, k=1).query
                cos = vectors @ e5.embed(["query: " + resolved])[0]
                rows = ranked(index, query, cos, langs_all, weight, args.extra)
                gold = [_contains_any(passages[r].text, q.answers) for r in rows]
                for group in ("all", q.set or "all"):
                    t = tally.setdefault(group, [0, 0, 0])
                    t[0] += 1
                    t[1] += bool(gold[:1] and gold[0])
                    t[2] += any(gold)
            figures = {g: {"n": t[0], "top1": round(t[1] / t[0], 3), "top5": round(t[2] / t[0], 3)}
                       for g, t in sorted(tally.items())}
            results.setdefault(name, {})[str(weight)] = figures
            print(f"{name:8} w={weight:<4} " + "  ".join(f"{g} {f['top1']:.2f}/{f['top5']:.2f} (n{f['n']})"
                                                       for g, f in figures.items()), flush=True)
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
