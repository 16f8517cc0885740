"""Measured while choosing the value ranker's features (before they moved into ``ccqa``): on
the writers' questions whose answer sentence is right and not a table row, the fixed order of
before (``exact`` as ``compose.exact_answer`` then gave it) against a conditional logit over
these features, fitted on two of w3-w5 and scored on the third, then on w3-w5 and scored on
w1, w2. Needs the fixed order's code: run it with ``PYTHONPATH`` at a checkout of 31b778b.

    PYTHONPATH=/tmp/at-31b778b/src .venv/bin/python bench/explore/value_features_choice.py w3,w4,w5 w3,w4,w5
    PYTHONPATH=/tmp/at-31b778b/src .venv/bin/python bench/explore/value_features_choice.py w1,w2,w3,w4,w5 w1,w2
"""
import json
import math
import os
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE.parent / 'reader'))
os.environ["HF_HUB_OFFLINE"]="1"
from run_eval import sets

from ccqa.answer import span as SP
from ccqa.answer.compose import exact_answer, weigh
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.question import read_question
from ccqa.answer.ranking import SentenceRanker
from ccqa.config import Settings
from ccqa.evaluate import EXACT_LENGTH_RATIO, _contains_any
from ccqa.ingest.context import table_view
from ccqa.lang.terms import term_set, terms
from ccqa.service import ANSWER_POOL, QA

CLAUSE = re.compile(r"[,;，；:：]|\band\b|、")
FOLDS = {"w1": "fold-a", "w2": "fold-a", "w3": "fold-b", "w4": "fold-b", "w5": "fold-b"}
def clause_of(text, s, e):
    starts = [0] + [m.end() for m in CLAUSE.finditer(text)]
    ends = [m.start() for m in CLAUSE.finditer(text)] + [len(text)]
    a = max([x for x in starts if x <= s], default=0); b = min([x for x in ends if x >= e], default=len(text))
    return text[a:b]
def feats(text, spans, q):
    wanted = set(q.terms); own = set(terms(q.asked)); years = set(q.years)
    n = len(spans); best = max(g for _, g in spans)
    rows = []
    for i, ((s, e), g) in enumerate(spans):
        clause = clause_of(text, s, e); ct = term_set(clause)
        value = text[s:e]
        d = SP._distance(text, (s, e), q)
        rows.append([g, float(g == best), len(term_set(value) & wanted), math.log1p(d), d / max(1, len(text)),
                     i / max(1, n - 1) if n > 1 else 0.0, float(i == 0), float(i == n - 1),
                     len(ct & wanted) / max(1, len(wanted)), len(ct & own) / max(1, len(own)),
                     float(bool(years & set(re.findall(r"(?:19|20)\d\d", clause)))),
                     float(("%" in value or "percent" in value or "百分" in value) and q.answer_kind != "percent")])
    return np.array(rows)
def collect(w):
    rk = SentenceRanker.load(HERE.parent / 'results' / 'ranker' / FOLDS[w] / 'sentence_ranker.json')
    questions, corpus, index_dir = {n: (q, c, i) for n, q, c, i in sets([w])}[w]
    qa = QA.open(Settings.from_env(index_dir=index_dir, corpus_dir=corpus, cache_size=0, reader=False))
    rows = [json.loads(line) for line in questions.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = []
    for row in rows:
        if row.get("unanswerable"): continue
        resolved = resolve_follow_up(row["q"], row.get("history") or [])
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        q = read_question(row["q"], resolved, found.carried)
        _, choice, _ = weigh(q, found.query.vector, found.hits, qa.index, rk)
        b = choice.best
        if b is None: continue
        hit = found.hits[b.hit_index]; doc = qa.index.documents[hit.passage.doc_id]
        if not _contains_any(" ".join(b.texts(hit)), row["answers"]) or table_view(doc, hit.passage.unit) is not None: continue
        answers = tuple(row["answers"])
        def good(s, answers=answers):
            return any(_contains_any(s, (a,)) and len(s) <= EXACT_LENGTH_RATIO * len(a) for a in answers)
        rule = exact_answer(q, b, hit, doc)
        if q.answer_type is None: out.append(None if rule is None else (None, None, good(rule.text), None)); continue
        labels, F = [], []
        for index in range(b.last, b.first - 1, -1):
            sent = hit.passage.sentences[index]; text = doc.text[sent.start:sent.end]
            vals = SP.graded_values(text, q)
            if not vals: continue
            F.append(np.column_stack([feats(text, vals, q), np.full(len(vals), float(index == b.last))]))
            labels += [good(text[s:e]) for (s, e), g in vals]
            # respectively rule result
        if not F: out.append(None if rule is None else (None, None, good(rule.text), None)); continue
        resp = rule is not None and SP._RESPECTIVELY.search(doc.text[hit.passage.sentences[b.first].start:hit.passage.sentences[b.last].end])
        out.append((np.vstack(F), np.array(labels), rule is not None and good(rule.text), bool(resp)))
    return out
data = {w: collect(w) for w in sys.argv[1].split(",")}
def fit(items, l2=1.0):
    from scipy.optimize import minimize
    usable = [x for x in items if x and x[0] is not None and x[1].any()]
    X = np.vstack([u[0] for u in usable]); mu, sd = X.mean(0), X.std(0) + 1e-9
    xs = [(u[0] - mu) / sd for u in usable]
    def loss(w):
        tot, g = 0.5 * l2 * w @ w, l2 * w
        for x, u in zip(xs, usable):
            s = x @ w; e = np.exp(s - s.max()); y = u[1]
            tot -= np.log(e[y].sum()) - np.log(e.sum())
            g = g - x[y].T @ (e[y] / e[y].sum()) + x.T @ (e / e.sum())
        return tot, g
    return minimize(loss, np.zeros(X.shape[1]), jac=True, method="L-BFGS-B").x / sd
def score(items, w):
    n = rule_ok = new_ok = 0
    for it in items:
        n += 1
        if it is None: continue
        F, y, rok, resp = it
        rule_ok += rok
        if F is None or resp: new_ok += rok; continue
        new_ok += bool(y[int(np.argmax(F @ w))])
    return n, rule_ok / n, new_ok / n
tests = sys.argv[2].split(",")
for t in tests:
    names = [w for w in ("w3", "w4", "w5") if w != t]
    train = [it for w in names for it in data[w]]
    w = fit(train)
    n, r, nw = score(data[t], w)
    print(t, f"sentence-right non-table questions {n}: exact rules {r:.3f} -> ranker {nw:.3f}", np.round(w, 2))
