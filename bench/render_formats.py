"""The format conformance set: a question collection's documents rendered by the programs people
print and convert with, so that the same questions can be asked of each rendering.

    python bench/render_formats.py eval/collection bench/data/formats/collection
    python bench/render_formats.py eval/heldout bench/data/formats/heldout

writes one folder per rendering, each a corpus with its own catalog.json (same metadata, new
file names): ``chromium`` (headless Chromium's print to PDF of the HTML form, with the
browser's running header and footer: date, title, address, "1/3"; Noto CJK fonts), ``libreoffice``
(``soffice --headless --convert-to pdf`` of the Word form), ``reportlab`` (two columns, a running
header and a page-number footer, ruled tables that split across pages with their header row
repeated, the built-in STSong-Light CID font for Chinese) and ``word`` (pandoc to .docx).
Every document first becomes HTML: Markdown and plain text through pandoc (plain text one
paragraph a line, aligned-column tables kept as preformatted lines), Word through pandoc, HTML as
it is. A PDF in the source is copied unchanged. Needs Debian's chromium, libreoffice-writer-nogui,
pandoc, fonts-noto-cjk and the bench extra's reportlab.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

RENDERINGS = ("chromium", "libreoffice", "reportlab", "word")
CSS = ("body{font-family:'Noto Serif','Noto Serif CJK SC','Noto Sans CJK SC',serif;font-size:11pt;"
       "line-height:1.45;max-width:46em;margin:auto} table{border-collapse:collapse}"
       "td,th{border:1px solid #777;padding:2px 6px} pre{font-family:'Noto Sans Mono CJK SC',monospace}")
_ALIGNED = re.compile(r"\S {3,}\S")


def html_form(source: Path) -> str:
    """The document as an HTML page (see the module's docstring)."""
    suffix = source.suffix.lower()
    if suffix in (".html", ".htm"):
        return source.read_text("utf-8")
    if suffix == ".txt":
        markdown = _markdown_of_text(source.read_text("utf-8"))
        return _pandoc(markdown.encode("utf-8"), "markdown", "html", source.stem)
    reader = {".md": "markdown", ".docx": "docx"}[suffix]
    return _pandoc(source.read_bytes(), reader, "html", source.stem)


def _markdown_of_text(text: str) -> str:
    """Plain text as Markdown: each line its own paragraph, pipe tables kept, runs of aligned
    columns fenced so that their alignment survives."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if _ALIGNED.search(line):
            block = []
            while i < len(lines) and lines[i].strip() and (_ALIGNED.search(lines[i]) or not block):
                block.append(lines[i])
                i += 1
            out += ["", "```", *block, "```", ""]
            continue
        if line.lstrip().startswith("|"):
            out.append(line)
        else:
            out += ["", line.replace("*", r"\*"), ""] if line.strip() else [""]
        i += 1
    return "\n".join(out)


def _pandoc(data: bytes, reader: str, writer: str, title: str, out: Path | None = None) -> str:
    command = ["pandoc", "-f", reader, "-t", writer, "--standalone", "--metadata", f"pagetitle={title}"]
    if out is not None:
        command += ["-o", str(out)]
    done = subprocess.run(command, input=data, capture_output=True, check=True, timeout=120)
    return done.stdout.decode("utf-8")


def _with_css(page: str) -> str:
    style = f"<style>{CSS}</style>"
    return page.replace("</head>", style + "</head>", 1) if "</head>" in page else style + page


def chromium_pdf(page: str, out: Path, work: Path) -> None:
    source = work / "page.html"
    source.write_text(_with_css(page), "utf-8")
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    f"--user-data-dir={work / 'profile'}", f"--print-to-pdf={out}", source.as_uri()],
                   capture_output=True, check=True, timeout=180)


def word_docx(page: str, out: Path, title: str) -> None:
    _pandoc(page.encode("utf-8"), "html", "docx", title, out)


def libreoffice_pdf(docx: Path, out: Path, work: Path) -> None:
    subprocess.run(["soffice", f"-env:UserInstallation={(work / 'lo').as_uri()}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(work), str(docx)],
                   capture_output=True, check=True, timeout=300)
    shutil.move(work / (docx.stem + ".pdf"), out)


def render(source_dir: Path, out_dir: Path, only: tuple[str, ...] = RENDERINGS) -> None:
    """Every document of ``source_dir`` in each rendering, under ``out_dir/<rendering>``."""
    from reportlab_pages import reportlab_pdf  # bench/, next to this script

    catalog = json.loads((source_dir / "catalog.json").read_text("utf-8"))
    sources = sorted(p for p in source_dir.iterdir() if p.is_file() and p.name != "catalog.json")
    for rendering in only:
        folder = out_dir / rendering
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        renamed = {}
        for source in sources:
            suffix = ".docx" if rendering == "word" else ".pdf"
            name = source.stem + (source.suffix if source.suffix == ".pdf" else suffix)
            target = folder / name
            with tempfile.TemporaryDirectory() as tmp:
                work = Path(tmp)
                if source.suffix == ".pdf":
                    shutil.copy(source, target)
                elif rendering == "chromium":
                    chromium_pdf(html_form(source), target, work)
                elif rendering == "word":
                    word_docx(html_form(source), target, source.stem)
                elif rendering == "libreoffice":
                    docx = work / (source.stem + ".docx")
                    word_docx(html_form(source), docx, source.stem)
                    libreoffice_pdf(docx, target, work)
                else:
                    reportlab_pdf(html_form(source), target, catalog.get(source.name, {}).get("title", ""))
            if source.name in catalog:
                renamed[name] = catalog[source.name]
            print(f"{rendering}: {name}", flush=True)
        (folder / "catalog.json").write_text(json.dumps(renamed, ensure_ascii=False, indent=2), "utf-8")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__)
        return 2
    only = tuple(argv[2].split(",")) if len(argv) > 2 else RENDERINGS
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    render(Path(argv[0]), Path(argv[1]), only)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
