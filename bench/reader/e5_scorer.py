"""multilingual-e5-small as it is (no training) as a scorer with the reader's interface: the logit of
a candidate is the cosine of ``query: question`` and ``passage: sentence`` over a temperature.
For measurement only (PyTorch, fp32, from the base folder ``ccqa setup`` makes): the rerank at
commit d816fbb and ``cross_retrieval_e5.py``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ccqa.answer.candidates import ReaderCandidate
from ccqa.answer.reader import Reading
from ccqa.embed.e5_base import E5Tokenizer


class E5Scorer:
    def __init__(self, base: Path, temperature: float = 0.02, quotable_only: bool = True) -> None:
        import torch
        from transformers import XLMRobertaModel

        torch.set_num_threads(1)
        self.torch = torch
        self.model = XLMRobertaModel.from_pretrained(str(base), add_pooling_layer=False).eval()
        self.tokenizer = E5Tokenizer(base, max_length=256)
        self.temperature, self.quotable_only = temperature, quotable_only
        self.memory: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.memory]
        for at in range(0, len(new), 16):
            chunk = new[at:at + 16]
            ids = [self.tokenizer.encode(t).ids for t in chunk]
            width = max(len(i) for i in ids)
            x = np.ones((len(ids), width), dtype=np.int64)
            m = np.zeros((len(ids), width), dtype=np.int64)
            for r, i in enumerate(ids):
                x[r, :len(i)], m[r, :len(i)] = i, 1
            with self.torch.no_grad():
                out = self.model(input_ids=self.torch.tensor(x), attention_mask=self.torch.tensor(m)).last_hidden_state
                mask = self.torch.tensor(m)[..., None].float()
                pooled = (out * mask).sum(1) / mask.sum(1)
                pooled = self.torch.nn.functional.normalize(pooled, dim=-1).numpy()
            for t, v in zip(chunk, pooled):
                self.memory[t] = v
        return np.stack([self.memory[t] for t in texts])

    def read(self, question: str, history: Sequence[str], candidates: Sequence[ReaderCandidate]) -> list[Reading]:
        if not candidates:
            return []
        q = self.embed(["query: " + question])[0]
        texts = ["passage: " + (c.text[:c.quotable] if self.quotable_only else c.text) for c in candidates]
        cos = self.embed(texts) @ q
        return [Reading(float(c) / self.temperature, None) for c in cos]
