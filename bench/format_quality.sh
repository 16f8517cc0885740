#!/bin/sh
# Build and score the development and held-out collections in their source formats and in each
# rendering of bench/render_formats.py; one JSON line of `ccqa eval --json` per corpus, with the
# build's wall time and the number of PDF pages. Usage (from the repository root):
#   PYTHONPATH=src sh bench/format_quality.sh LABEL OUT.jsonl
# Needs bench/data/formats/{collection,heldout}/<rendering>/ (bench/render_formats.py).
set -eu
label=$1; out=$2; py=${PYTHON:-.venv/bin/python}
work=$(mktemp -d)
for coll in collection heldout; do
  for rendering in source chromium libreoffice reportlab word; do
    if [ "$rendering" = source ]; then corpus=eval/$coll; else corpus=bench/data/formats/$coll/$rendering; fi
    [ -d "$corpus" ] || continue
    start=$(date +%s.%N)
    nice -n 15 $py -m ccqa.cli build --full --corpus "$corpus" --index "$work/$coll-$rendering" --json > "$work/build.json"
    end=$(date +%s.%N)
    pages=$($py -c "import sys,glob;from pypdf import PdfReader;print(sum(len(PdfReader(p).pages) for p in glob.glob(sys.argv[1]+'/*.pdf')))" "$corpus")
    nice -n 15 $py -m ccqa.cli eval eval/$coll.jsonl --index "$work/$coll-$rendering" --json > "$work/eval.json"
    $py -c "import json,sys;e=json.load(open(sys.argv[1]));b=json.load(open(sys.argv[2]));print(json.dumps({'label':sys.argv[3],'collection':sys.argv[4],'rendering':sys.argv[5],'build_s':round(float(sys.argv[6]),1),'pdf_pages':int(sys.argv[7]),'skipped':b.get('skipped'),'eval':e}))" "$work/eval.json" "$work/build.json" "$label" "$coll" "$rendering" "$(echo "$end - $start" | bc)" "$pages" >> "$out"
    echo "$label $coll $rendering done"
  done
done
rm -rf "$work"
