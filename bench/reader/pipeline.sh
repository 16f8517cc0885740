#!/usr/bin/env bash
# The reader, end to end: data, two leave-writers-out folds, the shipped reader, calibration,
# and the figures in bench/README.md "The reader". About 90 minutes on the 2-core machine.
# Every step is resumable (pairs and features are cached; training resumes from its checkpoint).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
R=bench/results/reader
export HF_HUB_OFFLINE=1

$PY bench/reader/check_collection.py                            # every batch valid
$PY bench/reader/make_pairs.py squad --questions 2500           # SQuAD: 38 training articles
$PY bench/reader/make_pairs.py squad-heldout --questions 100000 # SQuAD: the 10 held-out articles
$PY bench/reader/make_pairs.py writers                          # the five writers' batches

# Leave-writers-out: fold A never sees w1, w2; fold B never sees w3, w4, w5.
$PY bench/train_reader.py --out $R/fold-a --leave-out w1 w2
$PY bench/train_reader.py --out $R/fold-b --leave-out w3 w4 w5
$PY bench/reader/score_pairs.py --reader $R/fold-a $R/pairs/w1.jsonl $R/pairs/w2.jsonl --save $R/fold-a.readings.jsonl
$PY bench/reader/score_pairs.py --reader $R/fold-b $R/pairs/w3.jsonl $R/pairs/w4.jsonl $R/pairs/w5.jsonl --save $R/fold-b.readings.jsonl
# Each fold's reader is calibrated on the other fold's held-out readings (never its own writers).
$PY bench/reader/score_pairs.py --reader $R/fold-a --calibrate-from $R/fold-b.readings.jsonl
$PY bench/reader/score_pairs.py --reader $R/fold-b --calibrate-from $R/fold-a.readings.jsonl

# The reader trained on everything (src/ccqa/answer/model): every writer and SQuAD's training articles; calibrated on both folds' held-out readings.
$PY bench/train_reader.py --out src/ccqa/answer/model
$PY bench/reader/score_pairs.py --reader src/ccqa/answer/model --calibrate-from $R/fold-a.readings.jsonl $R/fold-b.readings.jsonl
$PY bench/reader/score_pairs.py --reader src/ccqa/answer/model $R/pairs/squad-heldout.jsonl

# End to end, as it serves (bench/README.md "The reader marks what the rules miss"): each writer
# with the fold reader that never saw it, the other sets with the shipped reader; then its cost.
$PY bench/reader/measure_marking.py --reader $R/fold-a --sets w1 w2 --out $R/marking-fold-a.json
$PY bench/reader/measure_marking.py --reader $R/fold-b --sets w3 w4 w5 --out $R/marking-fold-b.json
$PY bench/reader/measure_marking.py --reader src/ccqa/answer/model --sets heldout dev seed_dev seed_calibration \
    --out $R/marking-shipped.json
$PY bench/reader/latency.py --json $R/latency.json
