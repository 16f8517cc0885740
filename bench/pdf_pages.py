"""Reading time per PDF page and what the text holds: radical code points and U+FFFD, for the
PDFs of the folders given. Run once with each version of the reader on PYTHONPATH:

    PYTHONPATH=src python bench/pdf_pages.py bench/data/formats/*/chromium bench/data/formats/*/libreoffice bench/data/formats/*/reportlab
"""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

from ccqa.ingest.formats.pdf import read_pdf

RADICALS = re.compile("[\u2e80-\u2eff\u2f00-\u2fdf]")


def main(folders: list[str]) -> None:
    try:
        from ccqa.ingest.normalise import normalised
    except ImportError:  # the reader before the normaliser
        def normalised(extracted):  # type: ignore[no-untyped-def]
            return extracted
    for folder in folders:
        pages = chars = radicals = replacement = 0
        seconds = 0.0
        for path in sorted(Path(folder).glob("*.pdf")):
            data = path.read_bytes()
            start = time.perf_counter()
            extracted = normalised(read_pdf(data))
            seconds += time.perf_counter() - start
            pages += len(extracted.pages)
            chars += len(extracted.text)
            radicals += len(RADICALS.findall(extracted.text))
            replacement += extracted.text.count("\ufffd")
        print(json.dumps({"folder": folder, "pages": pages, "ms_per_page": round(1000 * seconds / max(pages, 1), 1),
                          "chars": chars, "radicals": radicals, "fffd": replacement}))


if __name__ == "__main__":
    main(sys.argv[1:])
