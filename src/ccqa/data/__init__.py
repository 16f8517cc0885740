"""The dataclasses that flow through the pipeline: Document -> Passage -> Hit -> Answer.

Every type is frozen and has ``to_dict()``/``from_dict()``; ``documents`` holds what ingest
makes and the index keeps, ``answers`` what search and the answer stage give.
"""

from ccqa.data.answers import (
    Alternative,
    Answer,
    AnswerSentence,
    AnswerSpan,
    Citation,
    CitedPassage,
    Hit,
    TableRow,
)
from ccqa.data.documents import Document, Page, Passage, Span, Structure, Table, Unit, sha256_hex

__all__ = ["Alternative", "Answer", "AnswerSentence", "AnswerSpan", "Citation", "CitedPassage", "Document", "Hit",
           "Page", "Passage", "Span", "Structure", "Table", "TableRow", "Unit", "sha256_hex"]
