"""Measured: the sentence ranker fitted with and without SQuAD's 1,500 training-article
questions, on two of w3-w5, scored on the third and on 1,000 questions of SQuAD's 10 held-out
articles (argmax of the fitted score). bench/README.md, "Sentences scored by a fitted ranker".

    .venv/bin/python bench/explore/ranker_without_squad.py
"""
import gzip
import json
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent)); sys.path.insert(0, str(HERE.parent / "reader"))
os.environ["HF_HUB_OFFLINE"]="1"
import make_pairs
import train_ranker as tr

writers = {w: tr.ask(*tr.writer_source(w)) for w in ["w3", "w4", "w5"]}
corpus, rows = tr.squad_questions()
squad = tr.ask(tr.open_index("squad-train", corpus), rows)
# squad held-out questions
data = sorted(json.loads(gzip.decompress(make_pairs.SQUAD.read_bytes()))["data"], key=lambda a: a["title"])
held = []
for number, article in enumerate(data):
    if number % 5 == 0 and number // 5 < 10:
        for p in article["paragraphs"]:
            for qa in p["qas"]:
                held.append({"q": qa["question"], "answers": list(dict.fromkeys(a["text"] for a in qa["answers"])), "set": "en"})
random.Random(13).shuffle(held)
sh = tr.ask(tr.open_index("squad-heldout", tr.WORK / "corpora" / "squad-heldout"), held[:1000])
for weight_name, with_squad in (("with squad", True), ("without", False)):
    for test in ["w3","w4","w5"]:
        train = [a for w, v in writers.items() if w != test for a in v] + (squad if with_squad else [])
        w = tr.fit(train, tr.L2)
        f = tr.figures(writers[test], w)["all"]; g = tr.figures(sh, w)["all"]
        print(weight_name, test, f"writer {f['sentence']:.3f}/{f['passage']:.3f}  squad-heldout {g['sentence']:.3f}/{g['passage']:.3f}", flush=True)
