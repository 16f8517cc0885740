"""One small error hierarchy; the CLI turns it into a line and an exit code, HTTP into JSON
(``api/errors.py`` maps each class to its status, nowhere else)."""

from __future__ import annotations


class CcqaError(Exception):
    """Base of every error ccqa raises on purpose; the message tells the user what to do."""


class IndexMissing(CcqaError):
    """No index where one was expected."""


class IndexMismatch(CcqaError):
    """The index on disk was built differently (model, format) from what is in use."""


class IndexCorrupt(CcqaError):
    """An index file is missing, truncated or does not match its checksum."""


class ModelError(CcqaError):
    """The embedding model is missing or its weights are not the expected ones."""


class BadDocument(CcqaError):
    """A document cannot be read; the build skips it and names the reason."""


class CatalogInvalid(CcqaError):
    """``corpus/catalog.json`` is not the JSON shape ccqa reads."""


class BadQuestion(CcqaError):
    """A question (or one of its parameters) is unusable; ``code`` names which part."""

    def __init__(self, message: str, code: str = "bad_question") -> None:
        super().__init__(message)
        self.code = code


class BuildLocked(CcqaError):
    """Another build holds the index lock."""


class BuildFailed(CcqaError):
    """A build could not complete; the previous index is untouched."""
