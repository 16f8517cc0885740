"""Fit the answer stage's models (``ccqa.answer.ranking``): the weights that score each
candidate sentence as the answer to a question, those that choose the exact answer among the
values in it, and the no-answer decision; from labelled questions.

Every question of the training sets is asked as a user's would be (its follow-up history read,
the hybrid search's 10 passages, the year filter of ``compose.choose``); every candidate the
answer stage weighs is measured (``answer.sentence.measure``) and labelled by whether it holds
a gold answer. The weights are a conditional logit (a softmax over each question's candidates,
maximising the probability of the answering ones, a question across languages weighed
``CROSS_WEIGHT``; L2 ``--l2`` on standardised features, fitted by L-BFGS: deterministic, no seed
needed), then scaled so that one question's scores spread as
far as the margins of ``compose.py`` were set for (``TARGET_SPREAD``).

Training data: the bilingual collection's writers (``bench/reader/collection/w*``, the
answerable questions) and 1,500 questions of SQuAD's training articles (the 10 held-out
articles never). ``--leave-out`` keeps writers out and reports the models on them.

The decision (``DecisionModel``) is a multinomial logistic regression (L2 1 on the coefficients,
L-BFGS) over what ``answer.decision.Evidence`` measures of the sentence chosen for every
question of the training writers, answerable or not, labelled unanswerable / right (the chosen
sentence holds a gold answer) / wrong. Each writer's sentences are chosen by a sentence ranker
fitted without that writer, so the decision learns what a ranker's choice on unseen documents
looks like.
Questions a veto refuses stay in the fit (and in the reported calibration), as the model was
chosen; fitting without them was not measured.

    .venv/bin/python bench/train_ranker.py --out src/ccqa/answer/model
    .venv/bin/python bench/train_ranker.py --leave-out w1 w2 --out bench/results/ranker/fold-a
    .venv/bin/python bench/train_ranker.py --leave-out w3 w4 w5 --out bench/results/ranker/fold-b

The indexes it asks are built once under ``bench/results/reader/`` (``bench/reader/make_pairs.py``'s
corpora); a run takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "reader"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import make_pairs

from ccqa.answer.compose import weigh
from ccqa.answer.decision import vetoed
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.question import Question
from ccqa.answer.ranking import (
    DECISION_CLASSES,
    DECISION_FEATURES,
    DECISION_FILE,
    FEATURES,
    SENTENCE_FILE,
    VALUE_FEATURES,
    VALUE_FILE,
    DecisionModel,
    SentenceRanker,
    decision_rows,
    feature_matrix,
)
from ccqa.answer.sentence import measure
from ccqa.answer.span import lists_respectively, sentence_values
from ccqa.config import Settings
from ccqa.evaluate import EXACT_LENGTH_RATIO, _contains_any
from ccqa.ingest.context import table_view
from ccqa.service import ANSWER_POOL, QA, Retrieved

WORK = ROOT / "bench" / "results" / "reader"
COLLECTION = HERE / "reader" / "collection"
SQUAD_QUESTIONS = 1500
SQUAD_SEED = 13
L2 = 10.0  # robust: 0.1 to 50 gave the same figures within 0.01-0.02 on w3-w5 left out in turn
# Questions across languages count 0.62 each: the writers wrote 26% of their answerable questions
# across languages, the maintainers' collections in issue 20 hold 18% (37 of 206); weighed so, the
# fit does not learn the writers' mix as a preference for the other language's passages.
CROSS_WEIGHT = (0.18 / 0.82) / (0.26 / 0.74)
TARGET_SPREAD = 0.55  # median standard deviation of one question's scores under the hand weights this replaced
DECISION_L2 = 1.0  # 0.1 and 10 gave lower no-answer recall or higher false "not found" on w3-w5 left out in turn


@dataclass
class Asked:
    """One question's candidates: their features, which answer, which passage holds an answer."""

    group: str
    features: np.ndarray
    gold: np.ndarray
    gold_passage: np.ndarray
    across: np.ndarray  # the candidate is in the other language than the question


def squad_questions() -> tuple[Path, list[dict]]:
    """SQuAD's training articles as a corpus, and 1,500 of their questions (a fixed shuffle)."""
    data = sorted(json.loads(gzip.decompress(make_pairs.SQUAD.read_bytes()))["data"], key=lambda a: a["title"])
    corpus = WORK / "corpora" / "squad-train"
    if not corpus.exists():
        make_pairs.squad_corpus(False, 0)
    questions = []
    for number, article in enumerate(data):
        if number % make_pairs.SQUAD_HELD_OUT_EVERY == 0 and number // make_pairs.SQUAD_HELD_OUT_EVERY < 10:
            continue
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                questions.append({"q": qa["question"], "answers": list(dict.fromkeys(a["text"] for a in qa["answers"])),
                                  "set": "en"})
    random.Random(SQUAD_SEED).shuffle(questions)
    return corpus, questions[:SQUAD_QUESTIONS]


def open_index(name: str, corpus: Path) -> QA:
    index = WORK / "indexes" / name
    if not (index / "CURRENT").exists():
        env = {**os.environ, "CCQA_CORPUS_DIR": str(corpus)}
        subprocess.run([sys.executable, "-m", "ccqa.cli", "build", "--index", str(index)], env=env, check=True,
                       capture_output=True)
    return QA.open(Settings.from_env(index_dir=index, corpus_dir=corpus, cache_size=0, reader=False))


def answerable(qa: QA, rows: Sequence[dict]) -> Iterator[tuple[tuple[str, ...], Retrieved, Question, dict]]:
    """Each answerable question asked as a user's is: its answers, what the search found, the
    question as read, its row."""
    for row in rows:
        answers = tuple(row.get("answers") or ())
        if row.get("unanswerable") or not answers:
            continue
        resolved = resolve_follow_up(row["q"], list(row.get("history") or ()))
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        yield answers, found, found.question, row


def ask(qa: QA, rows: Sequence[dict]) -> list[Asked]:
    """Each answerable question's candidates, measured and labelled, among those ``choose`` reads."""
    index = qa.index
    out = []
    for answers, found, question, row in answerable(qa, rows):
        vectors = [index.sentence_vectors_of(h.row) for h in found.hits]
        places, measured = measure(question, found.query.vector, found.hits, vectors, index.documents,
                                   index.document_frequency, max(len(index), 1))
        if not places:
            continue
        features = feature_matrix(measured)
        keep = [i for i, c in enumerate(places) if not question.years or c.years & set(question.years)]
        gold = [_contains_any(" ".join(places[i].texts(found.hits[places[i].hit_index])), answers) for i in keep]
        held = [_contains_any(found.hits[places[i].hit_index].passage.text, answers) for i in keep]
        across = np.array([measured[i].across for i in keep], bool)
        out.append(Asked(row.get("set") or "en", features[keep], np.array(gold, bool), np.array(held, bool), across))
    return out


def writer_source(writer: str) -> tuple[QA, list[dict]]:
    """A writer's index (built once) and its questions."""
    corpus = WORK / "corpora" / writer
    if not corpus.exists():
        make_pairs.writer_corpus(COLLECTION / writer)
    rows = [json.loads(line) for line in (COLLECTION / writer / "questions.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return open_index(writer, corpus), rows


def ask_values(qa: QA, rows: Sequence[dict], sentence: SentenceRanker) -> list[Asked]:
    """For each answerable question whose answer sentence (chosen with ``sentence``) holds a gold
    answer, the values of the asked type in it, measured (``span.value_features``) and labelled
    as ``ccqa eval`` judges an exact answer; table rows and "respectively" sentences are
    answered by rules and left out."""
    index = qa.index
    out = []
    for answers, found, question, row in answerable(qa, rows):
        _, choice, _ = weigh(question, found.query.vector, found.hits, index, sentence)
        best = choice.best
        if best is None or question.answer_type is None:
            continue
        hit = found.hits[best.hit_index]
        document = index.documents[hit.passage.doc_id]
        texts = [document.text[s.start : s.end] for s in hit.passage.sentences[best.first : best.last + 1]]
        if table_view(document, hit.passage.unit) is not None or not _contains_any(" ".join(texts), answers):
            continue
        rows_of, labels = [], []
        for i, graded, rows_i in sentence_values(texts, question):
            if lists_respectively(texts[i], graded):
                rows_of = []
                break
            rows_of.append(rows_i)
            labels += [is_exact(texts[i][a:b], answers) for (a, b), _ in graded]
        if rows_of:
            features = np.vstack(rows_of)
            out.append(Asked(row.get("set") or "en", features, np.array(labels, bool), np.zeros(len(labels), bool),
                             np.zeros(len(labels), bool)))
    return out


def is_exact(span: str, answers: Sequence[str]) -> bool:
    """``ccqa eval``'s exact answer: it holds a gold answer and is not much longer."""
    return any(_contains_any(span, (a,)) and len(span) <= EXACT_LENGTH_RATIO * len(a) for a in answers)


def fit(asked: Sequence[Asked], l2: float, spread_to: float | None = TARGET_SPREAD) -> np.ndarray:
    """Conditional-logit weights (in the features' own units) over questions with an answering
    candidate; scaled so one question's scores spread ``spread_to`` (None: as fitted)."""
    usable = [a for a in asked if a.gold.any()]
    stacked = np.concatenate([a.features for a in usable])
    mean, std = stacked.mean(0), stacked.std(0) + 1e-9
    xs = [(a.features - mean) / std for a in usable]
    share = [CROSS_WEIGHT if a.group == "cross" else 1.0 for a in usable]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.5 * l2 * float(w @ w), l2 * w
        for x, a, q in zip(xs, usable, share):
            s = x @ w
            e = np.exp(s - s.max())
            p_all, p_gold = e / e.sum(), e[a.gold] / e[a.gold].sum()
            total -= q * float(np.log(e[a.gold].sum()) - np.log(e.sum()))
            grad = grad - q * (x[a.gold].T @ p_gold - x.T @ p_all)
        return total, grad

    weights = minimize(loss, np.zeros(stacked.shape[1]), jac=True, method="L-BFGS-B").x / std
    if spread_to is None:
        return weights
    spread = float(np.median([(a.features @ weights).std() for a in usable if len(a.features) > 1]))
    return weights * (spread_to / spread)


def figures(asked: Sequence[Asked], weights: np.ndarray) -> dict[str, dict[str, float]]:
    """The answering sentence and its passage, per question language group: the top-scored
    candidate's (the rest of ``choose``, latest year and later editions, is not applied); and
    how often that candidate is in the other language than the question."""
    tally: dict[str, list[int]] = {}
    for a in asked:
        best = int(np.argmax(a.features @ weights)) if len(a.features) else None
        for group in ("all", a.group):
            t = tally.setdefault(group, [0, 0, 0, 0])
            t[0] += 1
            t[1] += best is not None and bool(a.gold[best])
            t[2] += best is not None and bool(a.gold_passage[best])
            t[3] += best is not None and bool(a.across[best])
    return {g: {"n": t[0], "sentence": round(t[1] / t[0], 3), "passage": round(t[2] / t[0], 3),
                "other_language": round(t[3] / t[0], 3)} for g, t in sorted(tally.items())}


@dataclass
class Decided:
    """The decision's rows for one writer: features, whether the model reads both texts, the
    class (``DECISION_CLASSES`` index), whether a veto refuses it."""

    features: np.ndarray
    read: np.ndarray
    label: np.ndarray
    vetoed: np.ndarray


def decide_rows(qa: QA, rows: Sequence[dict], sentence: SentenceRanker) -> Decided:
    """Every question of ``rows`` asked as a user's is, its sentence chosen by ``sentence``, what
    the decision reads of it and how it turned out; questions nothing was chosen for are left out
    ("not found" whatever the decision)."""
    x, read, label, refused = [], [], [], []
    for row in rows:
        resolved = resolve_follow_up(row["q"], list(row.get("history") or ()))
        found = qa.retrieve(row["q"], resolved, k=ANSWER_POOL)
        _, choice, evidence = weigh(found.question, found.query.vector, found.hits, qa.index, sentence)
        if evidence is None or choice.best is None:
            continue
        answers = tuple(row.get("answers") or ())
        chosen = " ".join(choice.best.texts(found.hits[choice.best.hit_index]))
        outcome = ("unanswerable" if row.get("unanswerable") or not answers
                   else "right" if _contains_any(chosen, answers) else "wrong")
        x.append(evidence.features())
        read.append(evidence.read)
        label.append(DECISION_CLASSES.index(outcome))
        refused.append(vetoed(evidence))
    return Decided(np.array(x), np.array(read, bool), np.array(label), np.array(refused, bool))


def fit_decision(decided: Sequence[Decided], l2: float = DECISION_L2) -> DecisionModel:
    """Multinomial logistic regression: softmax cross-entropy plus ``l2``/2 of the squared coefficients."""
    x = np.vstack([decision_rows(d.features, d.read) for d in decided])
    y = np.concatenate([d.label for d in decided])
    classes, width = len(DECISION_CLASSES), x.shape[1]
    onehot = np.eye(classes)[y]

    def loss(flat: np.ndarray) -> tuple[float, np.ndarray]:
        w, b = flat[:classes * width].reshape(classes, width), flat[classes * width:]
        z = x @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        diff = np.exp(log_p) - onehot
        total = -float((onehot * log_p).sum()) + 0.5 * l2 * float((w * w).sum())
        return total, np.concatenate([(diff.T @ x + l2 * w).ravel(), diff.sum(axis=0)])

    flat = minimize(loss, np.zeros(classes * (width + 1)), jac=True, method="L-BFGS-B",
                    options={"maxiter": 5000}).x
    return DecisionModel(flat[:classes * width].reshape(classes, width), flat[classes * width:])


def decision_figures(d: Decided, model: DecisionModel) -> dict[str, object]:
    """No-answer recall and false "not found" (among questions a sentence was chosen for), and how
    far ``confidence`` (the probability of a right answer) is from the observed rate (expected
    calibration error over five bins, and the bins: mean confidence, share right, questions);
    ``auc``: how well the probability of "unanswerable" ranks the answerable questions first."""
    p = np.array([model.probabilities(x, bool(r)) for x, r in zip(d.features, d.read)])
    refused = np.array([DecisionModel.refuses(row) for row in p]) | d.vetoed
    unanswerable, right = d.label == 0, d.label == 1
    bins = np.clip((p[:, 1] * 5).astype(int), 0, 4)
    ece = sum(abs(p[bins == b, 1].mean() - right[bins == b].mean()) * (bins == b).sum() for b in range(5)
              if (bins == b).any()) / len(d.label)
    answerable_first = np.argsort(np.argsort(-p[:, 0]))  # rank by how answerable the model finds it
    positives = int((~unanswerable).sum())
    auc = (answerable_first[~unanswerable].sum() - positives * (positives - 1) / 2) / max(
        1, positives * int(unanswerable.sum()))
    reliability = [[round(float(p[bins == b, 1].mean()), 3), round(float(right[bins == b].mean()), 3),
                    int((bins == b).sum())] for b in range(5) if (bins == b).any()]
    return {"n": len(d.label), "no_answer_recall": round(float(refused[unanswerable].mean()), 3),
            "false_not_found": round(float(refused[~unanswerable].mean()), 3),
            "right_shown": round(float((right & ~refused).sum() / max(1, (~unanswerable).sum())), 3),
            "calibration_error": round(float(ece), 3), "auc": round(float(auc), 3),
            "reliability": reliability}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="folder for sentence_ranker.json and value_ranker.json")
    parser.add_argument("--leave-out", nargs="*", default=[], help="writers not trained on, reported on")
    parser.add_argument("--l2", type=float, default=L2)
    args = parser.parse_args()
    writers = sorted(p.name for p in COLLECTION.glob("w*"))
    unknown = set(args.leave_out) - set(writers)
    if unknown:
        parser.error(f"no such writer: {', '.join(sorted(unknown))}")
    sources = {writer: writer_source(writer) for writer in writers}
    trained = [w for w in writers if w not in args.leave_out]
    data = {f"bench/reader/collection/{w}/questions.jsonl": sha256(COLLECTION / w / "questions.jsonl") for w in trained}
    asked = {writer: ask(qa, rows) for writer, (qa, rows) in sources.items()}
    for writer, found in asked.items():
        print(f"{writer}: {len(found)} answerable questions", flush=True)
    corpus, rows = squad_questions()
    squad = ask(open_index("squad-train", corpus), rows)
    print(f"squad-train: {len(squad)} questions", flush=True)
    data[str(make_pairs.SQUAD.relative_to(ROOT))] = sha256(make_pairs.SQUAD)
    train = [a for w in trained for a in asked[w]] + squad
    weights = fit(train, args.l2)
    sentence = SentenceRanker(weights)
    values = {writer: ask_values(qa, rows, sentence) for writer, (qa, rows) in sources.items()}
    value_train = [a for w in trained for a in values[w]]
    value_weights = fit(value_train, args.l2, spread_to=None)
    decided = {}
    for writer, (qa, rows) in sources.items():  # each training writer's sentences chosen by a ranker that never saw it
        ranker = sentence if writer not in trained else SentenceRanker(
            fit([a for w in trained if w != writer for a in asked[w]] + squad, args.l2))
        decided[writer] = decide_rows(qa, rows, ranker)
    decision = fit_decision([decided[w] for w in trained])
    command = ("bench/train_ranker.py" + (f" --leave-out {' '.join(args.leave_out)}" if args.leave_out else "")
               + (f" --l2 {args.l2:g}" if args.l2 != L2 else ""))
    records = {
        SENTENCE_FILE: {
            "features": list(FEATURES),
            "weights": [round(float(w), 6) for w in weights],
            "trained_on": {"questions": len(train), "writers": trained, "squad_train_questions": len(squad),
                           "data_sha256": data},
            "command": command, "l2": args.l2, "target_spread": TARGET_SPREAD,
            "left_out": {w: figures(asked[w], weights) for w in args.leave_out},
        },
        VALUE_FILE: {
            "features": list(VALUE_FEATURES),
            "weights": [round(float(w), 6) for w in value_weights],
            "trained_on": {"questions": len(value_train), "writers": trained,
                           "what": "answerable questions whose chosen sentence (by the sentence ranker fitted "
                                   "in the same run) holds a gold answer, its values of the asked type labelled"},
            "command": command, "l2": args.l2,
            "left_out": {w: exact_figures(values[w], value_weights) for w in args.leave_out},
        },
        DECISION_FILE: {
            "features": list(DECISION_FEATURES),
            "classes": list(DECISION_CLASSES),
            "coefficients": [[round(float(c), 6) for c in row] for row in decision.coefficients],
            "intercepts": [round(float(c), 6) for c in decision.intercepts],
            "trained_on": {"questions": int(sum(len(decided[w].label) for w in trained)), "writers": trained,
                           "what": "every question a sentence was chosen for, by a sentence ranker fitted "
                                   "without its writer; labelled unanswerable / right / wrong"},
            "command": command, "l2": DECISION_L2,
            "left_out": {w: decision_figures(decided[w], decision) for w in args.leave_out},
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    for name, record in records.items():
        path = args.out / name
        path.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path} sha256 {sha256(path)}")
    for writer in args.leave_out:
        groups = records[SENTENCE_FILE]["left_out"][writer]
        print(writer, "sentence", " ".join(f"{g} {f['sentence']:.3f}/{f['passage']:.3f}/{f['other_language']:.2f} "
                                           f"(n{f['n']})" for g, f in groups.items()))
        print(writer, "exact among values", records[VALUE_FILE]["left_out"][writer])
        print(writer, "decision", records[DECISION_FILE]["left_out"][writer])
    print(" ".join(f"{n}={w:+.3f}" for n, w in zip(FEATURES, weights)))
    print(" ".join(f"{n}={w:+.3f}" for n, w in zip(VALUE_FEATURES, value_weights)))
    return 0


def exact_figures(asked: Sequence[Asked], weights: np.ndarray) -> dict[str, float]:
    """Of the questions whose answer sentence is right and holds several values: how often the
    top-scored value is an exact answer."""
    right = [bool(a.gold[int(np.argmax(a.features @ weights))]) for a in asked]
    return {"n": len(right), "exact": round(sum(right) / max(1, len(right)), 3)}


if __name__ == "__main__":
    raise SystemExit(main())
