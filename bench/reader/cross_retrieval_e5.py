"""Across languages, could untrained multilingual-e5-small find what the hybrid search misses?
For each writer's cross-language questions: the hybrid search's top 5 and 10, e5's top 3 / 5
among the other language's passages only (and among all), and a union (hybrid top 3 + e5's
other-language top 2). A passage counts when it holds a gold answer (``ccqa eval``'s rule).

    .venv/bin/python bench/reader/cross_retrieval_e5.py w1 w2 w3 w4 w5
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from e5_scorer import E5Scorer

from ccqa.cache import default_cache_dir
from ccqa.config import Settings
from ccqa.embed.e5_base import ensure_base_model
from ccqa.evaluate import _contains_any
from ccqa.lang import detect_language
from ccqa.service import QA

e5 = E5Scorer(ensure_base_model(default_cache_dir()))
R = Path(__file__).resolve().parents[1] / 'results' / 'reader'
COLLECTION = Path(__file__).resolve().parent / 'collection'
for w in sys.argv[1:]:
    qa = QA.open(Settings.from_env(index_dir=R / 'indexes' / w, corpus_dir=R / 'corpora' / w, cache_size=0, reader=False))
    passages = qa.index.passages
    qs = [json.loads(line) for line in (COLLECTION / w / 'questions.jsonl').read_text('utf-8').splitlines() if line]
    qs = [q for q in qs if q['set'] == 'cross' and q['answers']]
    t = time.time()
    P = e5.embed(['passage: ' + p.text for p in passages])
    print(w, len(passages), 'passages embedded', round(time.time() - t), 's', flush=True)
    langs = np.array([p.lang for p in passages])
    got = {'hybrid@5': 0, 'e5other@5': 0, 'e5other@3': 0, 'e5all@5': 0, 'union': 0, 'hybrid@10': 0}
    for q in qs:
        found = qa.retrieve(q['q'], q['q'], k=10)
        hy = [h.passage for h in found.hits]
        answers = tuple(q['answers'])

        def gold(ps, answers=answers):  # type: ignore[no-untyped-def]
            return any(_contains_any(p.text, answers) for p in ps)

        qv = e5.embed(['query: ' + q['q']])[0]
        s = P @ qv
        other = 'en' if detect_language(q['q']) == 'zh' else 'zh'
        so = np.where(langs == other, s, -9)
        top_o = [passages[i] for i in np.argsort(-so)[:5]]
        top_a = [passages[i] for i in np.argsort(-s)[:5]]
        got['hybrid@5'] += gold(hy[:5]); got['hybrid@10'] += gold(hy)
        got['e5other@5'] += gold(top_o); got['e5other@3'] += gold(top_o[:3]); got['e5all@5'] += gold(top_a)
        got['union'] += gold(hy[:3] + top_o[:2])
    print(w, len(qs), {k: round(v / len(qs), 2) for k, v in got.items()}, flush=True)
