"""The question-answering service: the served index, the encoder, search and answer, reloads.

One ``QA`` per process (per worker). ``ask`` is thread-safe: a reload swaps the whole index
reference at once, so a request in flight finishes on the version it started with.

>>> qa = QA.open(Settings.from_env())  # doctest: +SKIP
>>> qa.ask("What was the GDP in 2021?").found  # doctest: +SKIP
True
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ccqa.answer.candidates import Piece, ReaderCandidate
from ccqa.answer.compose import answer_from
from ccqa.answer.followup import resolve_follow_up
from ccqa.answer.question import Question, read_question
from ccqa.answer.ranking import AnswerModels
from ccqa.answer.reader import OnnxReader, Reader
from ccqa.config import MODEL_NAME, Settings
from ccqa.data import Answer, Document, Hit
from ccqa.embed import Encoder, serving_encoder
from ccqa.embed.model import verified_model_path
from ccqa.embed.reader_model import ensure_reader_onnx
from ccqa.errors import BadQuestion, CcqaError
from ccqa.index import Index, versions
from ccqa.lang.bilingual import magnitude_forms, other_language
from ccqa.lang.terms import terms
from ccqa.search.retrieve import Query, check_k, check_mode, search

log = logging.getLogger(__name__)
ANSWER_POOL = 10  # passages the answer is chosen from; the first k of them are shown

@dataclass(frozen=True)
class Retrieved:
    """A question as read (once: language, terms, years, its terms carried to the other
    language), as searched, and what was found for it."""

    query: Query
    hits: list[Hit]
    question: Question

    @property
    def carried(self) -> list[str]:
        """The question's terms carried into the other language."""
        return list(self.question.carried)


class QA:
    """Answers questions from the index version currently published in ``settings.index_dir``."""

    def __init__(self, settings: Settings, index: Index, version: str, encoder: Encoder,
                 reader: Reader | None = None, models: AnswerModels | None = None) -> None:
        self.settings = settings
        self.encoder = encoder
        self.reader = reader  # marks the exact answer where the rules mark none; None: the rules alone
        self.models = models  # score the candidate sentences and values, decide "not found"; None: those shipped
        self.model_name = MODEL_NAME
        self._index = index
        self.index_version = version
        self._lock = threading.Lock()
        self._checked_at = time.monotonic()
        self._cache: OrderedDict[tuple[Any, ...], Answer] = OrderedDict()

    @classmethod
    def open(cls, settings: Settings, encoder: Encoder | None = None, warm: bool = True,
             reader: Reader | None = None) -> QA:
        """Load the published index and check the encoder; raises CcqaError saying what to run.

        ``warm`` encodes one text now so the first question is fast; a server that forks
        passes False (an onnxruntime session made before the fork is not shared safely) and
        each worker warms up as it starts (``serve.py``); only the reader's tokenizer, pure data,
        is read before the fork (``OnnxReader``). ``reader``: the one that marks exact answers (default: the
        trained reader, when ``settings.reader``)."""
        model_path = verified_model_path(settings.model_path, settings.model_sha256)
        directory = versions.current_dir(settings.index_dir)
        index = Index.load(directory, MODEL_NAME, settings.model_sha256)
        encoder = encoder or serving_encoder(settings, model_path, directory, index.manifest.onnx)
        if reader is None and settings.reader:
            graph, base = ensure_reader_onnx(settings.setup_dir, settings.reader_folder)
            reader = OnnxReader(graph, base, settings.threads)
        models = AnswerModels.load(settings.ranker_path) if settings.ranker_path else None
        qa = cls(settings, index, directory.name, encoder, reader, models)
        if warm:
            qa.warm_up()
        return qa

    def warm_up(self) -> None:
        """Start the encoder and the reader (their sessions, their threads) in this process."""
        self.encoder.encode(["warm up"])
        if self.reader is not None:
            self.reader.read("warm up", (), [ReaderCandidate(0, 0, "warm up", 7, (Piece(0, 7, 0),))])

    @property
    def index(self) -> Index:
        return self._index

    def ask(self, question: str, *, k: int | None = None, history: Sequence[str] = (), mode: str = "hybrid",
            answers: Sequence[str] = ()) -> Answer:
        """Answer ``question`` (a follow-up is read with ``history``, the earlier questions oldest
        first, and ``answers``, the text each got when the caller sends it)."""
        check_mode(mode)
        question = question.strip()
        if not question:
            raise BadQuestion("the question is empty", code="invalid_question")
        k = check_k(self.settings.top_k if k is None else k, self.settings.max_k)
        index, version = self._index, self.index_version
        turns = [(h, a) for h, a in zip(history, [*answers, *[""] * len(history)]) if h.strip()]
        resolved = resolve_follow_up(question, [h for h, _ in turns], [a for _, a in turns])
        key = (version, question, resolved, k, mode)
        cached = self._cache_get(key)
        if cached is not None:
            return cached
        found = self.retrieve(question, resolved, k=max(k, ANSWER_POOL), mode=mode, index=index)
        answer = answer_from(found.question, found.query.vector, found.hits, index, mode, shown=k,
                             reader=self.reader, models=self.models)
        self._cache_put(key, answer)
        return answer

    def retrieve(self, question: str, resolved: str, *, k: int, mode: str = "hybrid",
                 index: Index | None = None) -> Retrieved:
        """The question read once (``read_question``: language, terms, years, its terms carried
        to the other language), as searched (its vector and all those terms), and the hits: what
        ``ask`` answers from, and what ``bench/train_ranker.py`` fits on."""
        index = index or self._index
        vector = self.encoder.encode([resolved])[0]
        read = read_question(question, resolved)
        own = list(read.searched)
        target = other_language(read.lang)
        carried = index.carry(own, target) + [t for form in magnitude_forms(resolved, target) for t in terms(form)]
        query = Query(resolved, vector, own + [t for t in carried if t not in own], read.lang)
        return Retrieved(query, search(index, query, k=k, mode=mode), replace(read, carried=tuple(carried)))

    def _cache_get(self, key: tuple[Any, ...]) -> Answer | None:
        if self.settings.cache_size <= 0:
            return None
        with self._lock:
            answer = self._cache.get(key)
            if answer is not None:
                self._cache.move_to_end(key)
            return answer

    def _cache_put(self, key: tuple[Any, ...], answer: Answer) -> None:
        if self.settings.cache_size <= 0:
            return
        with self._lock:
            self._cache[key] = answer
            while len(self._cache) > self.settings.cache_size:
                self._cache.popitem(last=False)

    def documents(self) -> list[Document]:
        return sorted(self._index.documents.values(), key=lambda d: d.path)

    def document(self, doc_id: str) -> Document | None:
        return self._index.documents.get(doc_id)

    def health(self) -> dict[str, Any]:
        index = self._index
        return {
            "status": "ok",
            "index_version": self.index_version,
            "passages": len(index),
            "documents": len(index.documents),
            "model": self.model_name,
            "encoder": type(self.encoder).__name__,
            "built_at": index.manifest.built_at,
        }

    def maybe_reload(self) -> bool:
        """Reload when ``CURRENT`` moved; checked at most every ``reload_interval_s``."""
        now = time.monotonic()
        if now - self._checked_at < self.settings.reload_interval_s:
            return False
        self._checked_at = now
        return self.reload_if_changed()

    def reload_if_changed(self) -> bool:
        """Load the newly published version; a bad one is logged and the old one kept."""
        version = versions.current_version(self.settings.index_dir)
        if version is None or version == self.index_version:
            return False
        with self._lock:
            if version == self.index_version:
                return False
            try:
                index = Index.load(self.settings.index_dir / versions.VERSIONS / version, MODEL_NAME,
                                   self.settings.model_sha256)
            except CcqaError as exc:
                log.error("keeping index %s: cannot load new version %s: %s", self.index_version, version, exc)
                return False
            self._index, self.index_version = index, version
            self._cache.clear()
        log.info("now serving index version %s (%d passages)", version, len(index))
        return True
