"""An experiment for faster builds: sentence vectors pooled from the passage's own forward pass.

ccqa embeds each sentence on its own besides its passage (about twice the passages' tokens).
"Late chunking" instead mean-pools the passage's token embeddings over each sentence's tokens,
so one forward pass per passage gives both. This measures what that does to quality, against
the same index with separately embedded sentences (PyTorch fp32 for both, so only the sentence
vectors differ): SQuAD dev hybrid retrieval, and ``ccqa eval`` on the seed question sets.
Not used by ccqa; bench/README.md has the figures.

    .venv/bin/python bench/squad.py --encoder torch      # the reference index, if not built
    .venv/bin/python bench/late_chunking.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from ccqa.config import MODEL_NAME, Settings
from ccqa.embed.model import load_tokenizer, verified_model_path
from ccqa.embed.torch_encoder import TorchEncoder
from ccqa.evaluate import evaluate, read_questions
from ccqa.index import Index, versions
from ccqa.index.build import build_index
from ccqa.search.retrieve import FusionParams
from ccqa.service import QA

sys.path.insert(0, str(Path(__file__).resolve().parent))
import squad

BENCH = Path(__file__).resolve().parent
SEED_SETS = [BENCH.parent / "eval" / "seed_calibration.jsonl", BENCH.parent / "eval" / "seed_dev.jsonl"]


def late_sentence_vectors(index: Index, model_path: Path) -> np.ndarray:
    """Each sentence's vector: the mean of its passage's token embeddings over its own tokens."""
    import torch
    from transformers import AutoModel

    torch.set_num_threads(2)
    model = AutoModel.from_pretrained(str(model_path), local_files_only=True).eval()
    tokenizer = load_tokenizer(model_path)
    rows = []
    for passage in index.passages:
        encoding = tokenizer.encode(passage.text)
        with torch.no_grad():
            ids = torch.tensor([encoding.ids])
            tokens = model(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state[0].numpy()
        for span in passage.sentences:
            start, end = span.start - passage.start, span.end - passage.start
            inside = [i for i, (a, b) in enumerate(encoding.offsets) if b > a >= start and b <= end]
            vector = tokens[inside].mean(axis=0) if inside else tokens.mean(axis=0)
            rows.append(vector / np.linalg.norm(vector))
    return np.asarray(rows, dtype=np.float32)


def with_late_sentences(index: Index, model_path: Path) -> Index:
    return Index.build(list(index.documents.values()), list(index.passages), np.asarray(index.passage_vectors),
                       late_sentence_vectors(index, model_path), index.manifest)


def main() -> int:
    model_path = verified_model_path(None, Settings().model_sha256)
    settings = Settings(corpus_dir=squad.WORK / "corpus", index_dir=squad.index_dir("torch"), encoder="torch")
    questions, starts = squad.write_corpus(settings.corpus_dir)
    build_index(settings)
    separate, queries, _ = squad.served_queries(settings, [q.question for q in questions])
    started = time.perf_counter()
    late = with_late_sentences(separate, model_path)
    print(f"late-chunked sentence vectors of {len(separate):,} passages in {time.perf_counter() - started:.0f} s")
    print("\n| sentence vectors | SQuAD R@1 | MRR@10 | answer@1 |\n|---|---|---|---|")
    for name, index in (("each sentence embedded alone", separate), ("pooled from the passage (late)", late)):
        m = squad.run_mode(index, queries, questions, starts, "hybrid", FusionParams())
        print(f"| {name} | {m['recall@1']:.4f} | {m['mrr@10']:.4f} | {m['answer@1']:.4f} |")

    seed = Settings(index_dir=BENCH / "results" / "seed-torch-index", encoder="torch", cache_size=0)
    build_index(seed)
    directory = versions.current_dir(seed.index_dir)
    separate = Index.load(directory, MODEL_NAME, seed.model_sha256)
    encoder = TorchEncoder(model_path)
    print("\n| sentence vectors | question set | hit@1 | sentence | no-answer recall | false no-answer |")
    print("|---|---|---|---|---|---|")
    for name, index in (("alone", separate), ("late", with_late_sentences(separate, model_path))):
        qa = QA(seed, index, directory.name, encoder)
        for path in SEED_SETS:
            r = evaluate(read_questions(path), lambda q, qa=qa: qa.ask(q.q, k=10, history=q.history)).to_dict()
            print(f"| {name} | {path.name} | {r['hit@1']} | {r['sentence_acc']} | {r['no_answer_recall']} | "
                  f"{r['false_no_answer_rate']} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
