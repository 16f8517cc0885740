"""Train the reader: the top layers and heads of ``ccqa.embed.reader_model`` on the labelled
candidates that ``bench/reader/make_pairs.py`` writes (SQuAD training articles and the writers'
batches), on the CPU within one session, resumable from its per-epoch checkpoint.

The frozen layers' output for each (question, candidate) pair is computed once and cached
(``bench/results/reader/features``), so each epoch runs only the trained layers. Leave-writers-out:
``--leave-out w1 w2`` trains without those batches, so that they measure it.

    .venv/bin/python bench/train_reader.py --out bench/results/reader/fold-a --leave-out w1 w2
    .venv/bin/python bench/train_reader.py --out src/ccqa/answer/model     # the shipped reader
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ccqa.answer.reader import encode_pair, question_text
from ccqa.config import Settings
from ccqa.embed.e5_base import E5Tokenizer, ensure_base_model
from ccqa.embed.reader_model import build_reader, save_trained, trained_state

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / "results" / "reader"
CACHE = Settings().setup_dir
SEED = 20261203
NEGATIVES = 5  # per question: the best-ranked wrong candidates, plus one drawn at random


@dataclass
class Pair:
    qid: str
    label: int
    ids: list[int]
    quotable_tokens: list[int]  # token positions inside the quotable part
    span: tuple[int, int] | None  # token positions of the answer (inclusive)
    key: str


def load_pairs(files: list[Path], tokenizer: E5Tokenizer, rng: random.Random) -> list[list[Pair]]:
    """Per question, its positives and a few hard negatives, tokenised."""
    groups = []
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            row = json.loads(line)
            cands = row["candidates"]
            positives = [c for c in cands if c["label"]][:2]
            negatives = [c for c in cands if not c["label"]]
            if not row["unanswerable"] and not positives:
                continue  # retrieval missed it: nothing to read
            chosen = negatives[:NEGATIVES] + rng.sample(negatives[NEGATIVES:], min(1, len(negatives[NEGATIVES:])))
            question = question_text(row["question"], row["history"])
            group = []
            for cand in positives + chosen:
                pair = encode_pair(tokenizer, question, cand["text"], cand["quotable"], cand["span"])
                key = hashlib.sha1(json.dumps(pair.ids).encode()).hexdigest()
                group.append(Pair(row["qid"], cand["label"], pair.ids, pair.quotable_tokens,
                                  pair.span_tokens if cand["label"] else None, key))
            if group:
                groups.append(group)
    return groups


def compute_features(reader: torch.nn.Module, pairs: list[Pair], folder: Path, batch: int = 48) -> None:
    """The frozen layers' output of every pair not yet cached (fp16, one file a pair)."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = sorted({p.key: p for p in pairs if not (folder / f"{p.key}.npy").exists()}.values(), key=lambda p: len(p.ids))
    started = time.time()
    for at in range(0, len(todo), batch):
        chunk = todo[at:at + batch]
        ids, mask = _padded([p.ids for p in chunk])
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            hidden = reader.bottom(ids, mask).float().numpy().astype(np.float16)
        for p, h in zip(chunk, hidden):
            np.save(folder / f"{p.key}.npy", h[:len(p.ids)])
        done = at + len(chunk)
        rate = done / max(time.time() - started, 1e-6)
        print(f"\rfeatures {done}/{len(todo)} ({rate:.0f} pairs/s)", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)


def _padded(rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), 1, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, :len(r)] = torch.tensor(r)
        mask[i, :len(r)] = 1
    return ids, mask


def batch_loss(reader: torch.nn.Module, groups: list[list[Pair]], folder: Path) -> torch.Tensor:
    pairs = [p for g in groups for p in g]
    width = max(len(p.ids) for p in pairs)
    hidden = torch.zeros((len(pairs), width, 384))
    mask = torch.zeros((len(pairs), width), dtype=torch.long)
    for i, p in enumerate(pairs):
        h = torch.from_numpy(np.load(folder / f"{p.key}.npy").astype(np.float32))
        hidden[i, :len(h)] = h
        mask[i, :len(h)] = 1
    with torch.autocast("cpu", dtype=torch.bfloat16):
        relevance, start, end = reader.top(hidden, mask)
    relevance, start, end = relevance.float(), start.float(), end.float()
    labels = torch.tensor([float(p.label) for p in pairs])
    loss = torch.nn.functional.binary_cross_entropy_with_logits(relevance, labels)
    at = 0
    listwise = []
    for group in groups:
        scores = relevance[at:at + len(group)]
        positive = labels[at:at + len(group)] > 0
        if positive.any():
            listwise.append(torch.logsumexp(scores, 0) - torch.logsumexp(scores[positive], 0))
        at += len(group)
    if listwise:
        loss = loss + torch.stack(listwise).mean()
    span_losses = []
    for i, p in enumerate(pairs):
        if p.span is None or not p.quotable_tokens:
            continue
        allowed = torch.full((width,), -1e4)
        allowed[p.quotable_tokens] = 0.0
        span_losses.append(torch.nn.functional.cross_entropy((start[i] + allowed)[None], torch.tensor([p.span[0]]))
                           + torch.nn.functional.cross_entropy((end[i] + allowed)[None], torch.tensor([p.span[1]])))
    if span_losses:
        loss = loss + 0.5 * torch.stack(span_losses).mean()
    return loss


def train(args: argparse.Namespace) -> None:
    torch.manual_seed(SEED)
    rng = random.Random(SEED)
    base = ensure_base_model(CACHE)
    tokenizer = E5Tokenizer(base)
    files = sorted(Path(args.pairs).glob("*.jsonl"))
    files = [f for f in files if not f.stem.startswith("eval-") and f.stem != "squad-heldout"
             and f.stem not in set(args.leave_out)]
    print("training on", [f.stem for f in files], file=sys.stderr)
    groups = load_pairs(files, tokenizer, rng)
    reader = build_reader(base)
    for p in reader.parameters():
        p.requires_grad = False
    trained = trained_state(reader)
    params = [p for n, p in reader.named_parameters() if n in trained]
    for p in params:
        p.requires_grad = True
    compute_features(reader, [p for g in groups for p in g], WORK / "features")
    if args.features_only:
        return
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    heads = [p for n, p in reader.named_parameters() if n.startswith(("relevance.", "span."))]
    layers = [p for n, p in reader.named_parameters() if n in trained and not n.startswith(("relevance.", "span."))]
    optimiser = torch.optim.AdamW([{"params": layers, "lr": args.lr}, {"params": heads, "lr": args.lr * 10}],
                                  weight_decay=0.01)
    steps = args.epochs * math.ceil(len(groups) / args.batch)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: min(1.0, (s + 1) / 50) * max(0.0, 1 - s / steps))
    checkpoint = out / "checkpoint.pt"
    first_epoch = 0
    if checkpoint.exists():
        state = torch.load(checkpoint, weights_only=True)
        reader.load_state_dict(state["reader"], strict=False)
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        first_epoch = state["epoch"] + 1
        print(f"resumed after epoch {state['epoch']}", file=sys.stderr)
    reader.train()
    for epoch in range(first_epoch, args.epochs):
        order = list(range(len(groups)))
        random.Random(SEED + epoch).shuffle(order)
        started, total = time.time(), 0.0
        for step, at in enumerate(range(0, len(order), args.batch)):
            loss = batch_loss(reader, [groups[i] for i in order[at:at + args.batch]], WORK / "features")
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            total += float(loss)
            if step % 20 == 0:
                print(f"\repoch {epoch} step {step}/{math.ceil(len(order) / args.batch)} loss {total / (step + 1):.3f}"
                      f" {time.time() - started:.0f}s", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        torch.save({"reader": trained_state(reader), "optimiser": optimiser.state_dict(),
                    "schedule": schedule.state_dict(), "epoch": epoch}, checkpoint)
    record = {"command": " ".join(["bench/train_reader.py", *sys.argv[1:]]), "seed": SEED,
              "data": [f.name for f in files], "questions": len(groups),
              "pairs": sum(len(g) for g in groups), "epochs": args.epochs, "lr": args.lr, "batch": args.batch}
    digest = save_trained(reader, out, record)
    print(f"saved {out} sha256 {digest}", file=sys.stderr)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", default=str(WORK / "pairs"))
    parser.add_argument("--out", required=True)
    parser.add_argument("--leave-out", nargs="*", default=[])
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch", type=int, default=8, help="questions per step")
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--features-only", action="store_true", help="cache the frozen layers' outputs and stop")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
