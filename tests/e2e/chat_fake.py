"""A QA service for the browser tests: real dataclasses, canned answers, one hostile document."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from ccqa.data import Answer, AnswerSentence, Citation, CitedPassage, Document, Span
from ccqa.errors import IndexMissing

GDP_SENTENCE = ("According to statistics released at the beginning of this year, the "
                "Chengdu-Chongqing economic circle achieved a regional GDP of 7.39192 trillion "
                "yuan in 2021, an increase of 8.5% over the previous year, and the growth rate "
                "rose by 4.5 percentage points over the previous year.")
AGREEMENTS_SENTENCE = ("At the primary level, over the past two years, more than 300 cooperation "
                       "agreements have been signed between departments, cities, prefectures, "
                       "districts, counties and sectors in Sichuan and Chongqing, setting new "
                       "records in the number, frequency and scope.")
TRAIN_SENTENCE = ("After the quality improvement, passengers can travel between the two cities "
                  "via Chengdu-Chongqing High-Speed Railway and arrive in one hour.")
PARAGRAPHS = (
    "Open Governance",
    "Construction of Chengdu-Chongqing Economic Circle Accelerates Across the Board",
    ("On the afternoon of May 19, the first Chengdu-Chongqing economic circle freight train "
     "entered Chengxiang Station in Qingbaijiang District, Chengdu. As the first direct freight "
     "train between Chengdu and Chongqing, it is expected to set a new record for the operation "
     "frequency of newly opened intercity freight trains in China."),
    ("Just like the freight train operating at full capacity just after the opening, Sichuan and "
     "Chongqing have resolutely implemented the strategic plans in the past two years to "
     "accelerate the flow of factors and the integration of industries between the two places."),
    GDP_SENTENCE + " It accounted for 6.5% and 30.8% of the economic aggregate of the whole "
    "country and the western region, respectively.",
    "Joining hands together",
    ("Over the past two years, Sichuan and Chongqing have acted swiftly to shoulder their "
     "responsibilities. \"Unified planning\", \"integrated deployment\", \"mutual cooperation\" "
     "and \"joint implementation\" are frequently mentioned in the cooperation between the two "
     "places."),
    ("According to incomplete statistics, Sichuan and Chongqing have jointly drafted, reported "
     "and issued more than 30 plans in the past two years."),
    AGREEMENTS_SENTENCE,
    "Making combined efforts",
    "Life in Chengdu and Chongqing has become more convenient. In 2020, the public transport "
    "between Chengdu and the central urban area of Chongqing has been made more convenient by "
    "\"all-in-one card\". " + TRAIN_SENTENCE + " At present, there are an average of 30.5 pairs "
    "of Fuxing EMUs running between Chengdu and Chongqing every day, carrying more than 10 "
    "million passengers per year.",
) + tuple(f"Paragraph {n} of further reporting on the economic circle's progress, included so "
          "that the document is long enough to scroll." for n in range(1, 13))
CIRCLE_TEXT = "\n\n".join(PARAGRAPHS)

HOSTILE_SENTENCE = 'The page must show <script>window.__pwned=1</script> as plain text.'
HOSTILE_TEXT = ("Hostile test document \U0001F409 (an astral character: UTF-16 offsets shift)\n\n"
                + HOSTILE_SENTENCE + ' It also quotes <img src=x onerror="window.__pwned=2"> '
                "and <b>bold</b> markup.\n\nNothing in it may run.")


class ChatFakeQA:
    """Answers GDP and agreement questions, quotes the hostile document, else not found.

    ``gate`` holds every answer while cleared (to see the loading state); a question
    containing "break" fails like an index that cannot be opened.
    """

    index_version = "e2e-v1"
    model_name = "fake-model"

    def __init__(self) -> None:
        self.circle = Document(doc_id="circle", path="circle.txt", title=PARAGRAPHS[1],
                               text=CIRCLE_TEXT, publisher="The People's Government of Sichuan "
                               "Province (English edition)", date="2022-06")
        self.hostile = Document(doc_id="hostile", path="hostile.txt",
                                title='<b>Hostile</b> <img src=x onerror="window.__pwned=4">',
                                text=HOSTILE_TEXT, source="<script>window.__pwned=5</script>")
        self.calls: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()

    def ask(self, question: str, *, k: int = 5, history: Sequence[str] = (),
            mode: str = "hybrid") -> Answer:
        self.calls.append({"question": question, "k": k, "history": tuple(history),
                           "mode": mode})
        self.gate.wait(timeout=30)
        q = question.lower()
        if "break" in q:
            raise IndexMissing("No index found in index/: run `ccqa build` first.")
        if "hostile" in q:
            return self._found(question, mode, [(self.hostile, HOSTILE_SENTENCE, HOSTILE_TEXT)])
        if "gdp" in q or "growth" in q:
            return self._found(question, mode, [
                (self.circle, GDP_SENTENCE, PARAGRAPHS[4]),
                (self.circle, AGREEMENTS_SENTENCE, AGREEMENTS_SENTENCE)])
        if "agreement" in q:
            return self._found(question, mode, [
                (self.circle, AGREEMENTS_SENTENCE, AGREEMENTS_SENTENCE)])
        related = [self._cited(self.circle, TRAIN_SENTENCE, PARAGRAPHS[10], 0.31),
                   self._cited(self.circle, GDP_SENTENCE, PARAGRAPHS[4], 0.22)]
        return Answer(question=question, resolved_question=question, found=False,
                      message="Not found in the documents.", answer=None,
                      passages=tuple(related), mode=mode, confidence=0.12)

    def _found(self, question: str, mode: str,
               quotes: list[tuple[Document, str, str]]) -> Answer:
        passages = tuple(self._cited(doc, sentence, passage, 0.9 - 0.1 * i)
                         for i, (doc, sentence, passage) in enumerate(quotes))
        first_doc, first_sentence, _ = quotes[0]
        start = first_doc.text.index(first_sentence)
        answer = AnswerSentence(first_sentence, 0, first_doc.doc_id, start,
                                start + len(first_sentence))
        return Answer(question=question, resolved_question=question, found=True, message="",
                      answer=answer, passages=passages, mode=mode, confidence=0.88)

    @staticmethod
    def _cited(doc: Document, sentence: str, passage: str, score: float) -> CitedPassage:
        start = doc.text.index(passage)
        hl_start = doc.text.index(sentence)
        citation = Citation(doc_id=doc.doc_id, title=doc.title, source=doc.source,
                            passage_id=f"{doc.doc_id}-{start}", start=start,
                            end=start + len(passage), page=None, publisher=doc.publisher)
        return CitedPassage(text=passage, score=score, citation=citation,
                            highlight=Span(hl_start, hl_start + len(sentence)))

    def documents(self) -> list[Document]:
        return [self.circle, self.hostile]

    def document(self, doc_id: str) -> Document | None:
        return {d.doc_id: d for d in self.documents()}.get(doc_id)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "index_version": self.index_version, "passages": 20,
                "documents": 2, "model": self.model_name, "encoder": "fake"}

    def maybe_reload(self) -> bool:
        return False
