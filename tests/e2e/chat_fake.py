"""A QA service for the browser tests: real dataclasses, canned answers, one hostile document."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from ccqa.data import (
    Alternative,
    Answer,
    AnswerSentence,
    AnswerSpan,
    Citation,
    CitedPassage,
    Document,
    Span,
    TableRow,
)
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


EARLIER_SENTENCE = ("In 2020, the regional GDP of the Chengdu-Chongqing economic circle reached "
                    "6.6 trillion yuan, up 4.0% over the previous year.")
EARLIER_TEXT = "Economic circle statistics, 2020 edition\n\n" + EARLIER_SENTENCE
REPOST_TEXT = "Reposted from the provincial government\n\n" + PARAGRAPHS[4]

PORT_CAPTION = "Table 2 Container throughput of the main ports"
PORT_UNIT = "Unit: 10,000 TEU"
PORT_HEADER = ("Port", "2022", "2023")
PORT_CELLS = ("Chongqing Guoyuan Port", "142.5", "156.8")
PORT_ROW = "Chongqing Guoyuan Port | 2022: 142.5 | 2023: 156.8"
PORT_TEXT = ("Statistics brief on ports\n\n" + PORT_CAPTION + "\n" + PORT_UNIT + "\n"
             + " | ".join(PORT_HEADER) + "\n" + PORT_ROW + "\n\nThroughput kept growing.")

ZH_SENTENCE = "2021年，成渝地区双城经济圈实现地区生产总值73919.2亿元，比上年增长8.5%。"
ZH_CORRIDOR = "西部陆海新通道班列全年开行超过2万列，比上年增长近三成。"
ZH_TEXT = "成渝地区双城经济圈建设成效明显\n\n" + ZH_SENTENCE + "\n\n" + ZH_CORRIDOR


class ChatFakeQA:
    """Answers GDP (English and Chinese), port-table, corridor and agreement questions, quotes
    the hostile document, else not found.

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
        self.earlier = Document(doc_id="stats-2020", path="stats-2020.txt",
                                title="Economic circle statistics, 2020 edition",
                                text=EARLIER_TEXT, date="2021-03")
        self.repost = Document(doc_id="repost", path="repost.txt", title="Reposted: GDP figures",
                               text=REPOST_TEXT)
        self.ports = Document(doc_id="ports", path="ports.txt", title="Statistics brief on ports",
                              text=PORT_TEXT, date="2024-02")
        self.chinese = Document(doc_id="zh-circle", path="zh-circle.txt",
                                title="成渝地区双城经济圈建设成效明显", text=ZH_TEXT,
                                publisher="四川省人民政府", date="2022-01", lang="zh")
        self.calls: list[dict[str, Any]] = []
        self.gate = threading.Event()
        self.gate.set()

    def ask(self, question: str, *, k: int = 5, history: Sequence[str] = (),
            mode: str = "hybrid", answers: Sequence[str] = ()) -> Answer:
        self.calls.append({"question": question, "k": k, "history": tuple(history),
                           "mode": mode, "answers": tuple(answers)})
        self.gate.wait(timeout=30)
        q = question.lower()
        if "break" in q:
            raise IndexMissing("No index found in index/: run `ccqa build` first.")
        if "hostile" in q:
            return self._found(question, mode, [(self.hostile, HOSTILE_SENTENCE, HOSTILE_TEXT)])
        if "地区生产总值" in q:
            return self._chinese_gdp(question, mode)
        if "corridor" in q:
            return self._corridor(question, mode)
        if "port" in q:
            return self._port(question, mode)
        if "gdp" in q or "growth" in q:
            gdp = self._gdp(question, mode)
            return replace(gdp, confidence=0.31) if "perhaps" in q else gdp
        if "agreement" in q:  # a figure without a year of its own: the report's date, said as such
            found = self._found(question, mode, [(self.circle, AGREEMENTS_SENTENCE, AGREEMENTS_SENTENCE)])
            answer = self._sentence(self.circle, AGREEMENTS_SENTENCE, 0, "more than 300 cooperation agreements",
                                    "2022")
            return replace(found, answer=replace(answer, year_reported=True))
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

    def _gdp(self, question: str, mode: str) -> Answer:
        """The 2021 figure marked in its sentence, the 2020 figure as an earlier one, a repost."""
        found = self._found(question, mode, [
            (self.circle, GDP_SENTENCE, PARAGRAPHS[4]),
            (self.circle, AGREEMENTS_SENTENCE, AGREEMENTS_SENTENCE),
            (self.earlier, EARLIER_SENTENCE, EARLIER_SENTENCE)])
        repost = self._cited(self.repost, GDP_SENTENCE, PARAGRAPHS[4], 0.9).citation
        first = replace(found.passages[0], also_in=(repost,))
        earlier = self._sentence(self.earlier, EARLIER_SENTENCE, 2, "6.6 trillion yuan", "2020")
        return replace(found, passages=(first, *found.passages[1:]),
                       answer=self._sentence(self.circle, GDP_SENTENCE, 0,
                                             "7.39192 trillion yuan", "2021"),
                       alternatives=(Alternative("2020", earlier),))

    def _port(self, question: str, mode: str) -> Answer:
        """A table row: the cell for 2023 is the exact answer."""
        found = self._found(question, mode, [(self.ports, PORT_ROW, PORT_ROW)])
        row = TableRow(PORT_CAPTION, PORT_UNIT, PORT_HEADER, PORT_CELLS, answer_cell=2)
        answer = replace(self._sentence(self.ports, PORT_ROW, 0, "156.8", "2023"), table=row)
        cited = replace(found.passages[0], table=replace(row, answer_cell=None))
        return replace(found, answer=answer, passages=(cited,))

    def _chinese_gdp(self, question: str, mode: str) -> Answer:
        """A Chinese question answered from a Chinese document."""
        found = self._found(question, mode, [(self.chinese, ZH_SENTENCE, ZH_SENTENCE)])
        passages = tuple(replace(p, lang="zh") for p in found.passages)
        answer = replace(self._sentence(self.chinese, ZH_SENTENCE, 0, "73919.2亿元", "2021"),
                         lang="zh")
        return replace(found, answer=answer, passages=passages, lang="zh")

    def _corridor(self, question: str, mode: str) -> Answer:
        """An English question whose only answer is in a Chinese document."""
        found = self._found(question, mode, [(self.chinese, ZH_CORRIDOR, ZH_CORRIDOR)])
        passages = tuple(replace(p, lang="zh") for p in found.passages)
        answer = replace(self._sentence(self.chinese, ZH_CORRIDOR, 0, "超过2万列", None), lang="zh")
        return replace(found, answer=answer, passages=passages, lang="en")

    @staticmethod
    def _sentence(doc: Document, sentence: str, citation: int, span: str,
                  year: str | None) -> AnswerSentence:
        start = doc.text.index(sentence)
        span_start = doc.text.index(span, start)
        return AnswerSentence(sentence, citation, doc.doc_id, start, start + len(sentence),
                              span=AnswerSpan(span_start, span_start + len(span), span),
                              year=year, lang=doc.lang)

    @staticmethod
    def _cited(doc: Document, sentence: str, passage: str, score: float) -> CitedPassage:
        start = doc.text.index(passage)
        hl_start = doc.text.index(sentence, start)
        citation = Citation(doc_id=doc.doc_id, title=doc.title, source=doc.source,
                            passage_id=f"{doc.doc_id}-{start}", start=start,
                            end=start + len(passage), page=None, publisher=doc.publisher,
                            date=doc.date)
        return CitedPassage(text=passage, score=score, citation=citation,
                            highlight=Span(hl_start, hl_start + len(sentence)), lang=doc.lang)

    def documents(self) -> list[Document]:
        return [self.circle, self.hostile, self.earlier, self.repost, self.ports, self.chinese]

    def document(self, doc_id: str) -> Document | None:
        return {d.doc_id: d for d in self.documents()}.get(doc_id)

    def health(self) -> dict[str, Any]:
        return {"status": "ok", "index_version": self.index_version, "passages": 20,
                "documents": 6, "model": self.model_name, "encoder": "fake"}

    def maybe_reload(self) -> bool:
        return False
