"""Measured, not kept: would multilingual-e5-small's cosine (``query:`` question, ``passage:``
candidate, untrained) help the sentence ranker? Three features are added to ``ranking.FEATURES``
(the cosine behind the question's best, behind the best in its language, the cosine of a
candidate in the other language) and the ranker is fitted on two of w3-w5 and scored on the
third (argmax of the fitted score; no SQuAD, whose 1,500 questions e5 would take long to read).
Result in bench/README.md ("Sentences scored by a fitted ranker"): no gain.

    .venv/bin/python bench/explore/ranker_e5_features.py
"""
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE.parent / 'reader'))
os.environ["HF_HUB_OFFLINE"] = "1"
import train_ranker as tr
from e5_scorer import E5Scorer

from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.ranking import feature_matrix
from ccqa.answer.sentence import measure
from ccqa.cache import default_cache_dir
from ccqa.embed.e5_base import ensure_base_model
from ccqa.evaluate import _contains_any
from ccqa.service import ANSWER_POOL

e5 = E5Scorer(ensure_base_model(default_cache_dir()))
OUT = HERE.parent / 'results' / 'ranker' / 'e5'
OUT.mkdir(parents=True, exist_ok=True)

def collect(writer):
    path = OUT / f"{writer}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        return z
    qa = tr.open_index(writer, tr.WORK / "corpora" / writer)
    index = qa.index
    rows = [json.loads(l) for l in (tr.COLLECTION / writer / "questions.jsonl").read_text().splitlines() if l.strip()]
    F, E, G, P, A, Q, S = [], [], [], [], [], [], []
    t0 = time.time()
    for qi, row in enumerate(rows):
        answers = tuple(row.get("answers") or ())
        if row.get("unanswerable") or not answers: continue
        resolved = resolve_follow_up(row["q"], list(row.get("history") or ()))
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        question = found.question
        vectors = [index.sentence_vectors_of(h.row) for h in found.hits]
        places, measured = measure(question, found.query.vector, found.hits, vectors, index.documents, index.document_frequency, max(len(index), 1))
        if not places: continue
        feats = feature_matrix(measured)
        keep = [i for i, c in enumerate(places) if not question.years or c.years & set(question.years)]
        if not keep: continue
        texts = [" ".join(places[i].texts(found.hits[places[i].hit_index])) for i in keep]
        qv = e5.embed(["query: " + resolved])[0]
        cos = e5.embed(["passage: " + t for t in texts]) @ qv
        for j, i in enumerate(keep):
            F.append(feats[i]); E.append(cos[j]); G.append(_contains_any(texts[j], answers))
            P.append(_contains_any(found.hits[places[i].hit_index].passage.text, answers)); A.append(measured[i].across)
            Q.append(qi); S.append({"en": 0, "zh": 1, "cross": 2}.get(row.get("set"), 0))
    np.savez(path, F=np.array(F), E=np.array(E), G=np.array(G), P=np.array(P), A=np.array(A), Q=np.array(Q), S=np.array(S))
    print(writer, "collected in", round(time.time() - t0), "s", flush=True)
    return np.load(path)

def asked_of(z, use_e5):
    out = []
    q = z["Q"]
    starts = np.flatnonzero(np.r_[True, q[1:] != q[:-1]])
    for s, e in zip(starts, np.r_[starts[1:], len(q)]):
        f = z["F"][s:e]
        if use_e5:
            cos, across = z["E"][s:e], z["A"][s:e].astype(bool)
            behind_side = np.zeros(e - s)
            for side in (across, ~across):
                if side.any(): behind_side[side] = cos[side] - cos[side].max()
            f = np.column_stack([f, cos - cos.max(), behind_side, across * cos])
        out.append(tr.Asked(["en", "zh", "cross"][int(z["S"][s])], f, z["G"][s:e].astype(bool), z["P"][s:e].astype(bool), z["A"][s:e].astype(bool)))
    return out

data = {w: collect(w) for w in ["w3", "w4", "w5"]}
for use in (False, True):
    for test in ["w3", "w4", "w5"]:
        train = [a for w in data if w != test for a in asked_of(data[w], use)]
        w = tr.fit(train, tr.L2)
        figs = tr.figures(asked_of(data[test], use), w)
        print("e5" if use else "  ", test, " ".join(f"{g} {f['sentence']:.3f}/{f['passage']:.3f}/{f['other_language']:.2f}" for g, f in figs.items()), flush=True)
