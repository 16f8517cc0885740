"""The dataclasses that flow through the pipeline: Document -> Passage -> Hit -> Answer.

Every type is frozen and has ``to_dict()``/``from_dict()``; ``documents`` holds what ingest
makes and the index keeps, ``answers`` what search and the answer stage give.
"""

from ccqa.data.answers import Answer, AnswerSentence, Citation, CitedPassage, Hit
from ccqa.data.documents import Document, Page, Passage, Span, sha256_hex

__all__ = ["Answer", "AnswerSentence", "Citation", "CitedPassage", "Document", "Hit", "Page", "Passage", "Span",
           "sha256_hex"]
