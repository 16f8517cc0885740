"""The ``ccqa`` command: build, ask, eval, serve. Each command parses, calls the library, prints."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ccqa.config import Settings
from ccqa.data import Answer
from ccqa.errors import CcqaError
from ccqa.search.retrieve import MODES


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ccqa", description="Answer questions from your documents, quoting them.")
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help="build or update the index from the corpus folder")
    build.add_argument("--corpus", type=Path, help="documents folder (default: corpus/ or CCQA_CORPUS_DIR)")
    build.add_argument("--index", type=Path, help="index folder (default: index/ or CCQA_INDEX_DIR)")
    build.add_argument("--full", action="store_true", help="re-embed everything instead of reusing vectors")
    build.add_argument("--strict", action="store_true", help="fail if any document has to be skipped")
    build.add_argument("--wait", action="store_true", help="wait for a running build instead of refusing")
    build.add_argument("--device", help="torch device for embedding, e.g. cpu or cuda")
    build.add_argument("--json", action="store_true", help="print the build report as JSON")

    sub.add_parser("setup", help="the one-time steps (the ONNX export, the dictionary, the reader's graph), done now")

    ask = sub.add_parser("ask", help="ask one question")
    ask.add_argument("question")
    ask.add_argument("--index", type=Path)
    ask.add_argument("-k", type=int, default=None, help="number of passages (default 5)")
    ask.add_argument("--mode", choices=MODES, default="hybrid")
    ask.add_argument("--history", action="append", default=[], help="an earlier question (repeatable, oldest first)")
    ask.add_argument("--json", action="store_true", help="print the API's JSON object")

    ev = sub.add_parser("eval", help="score the index on a JSONL question file")
    ev.add_argument("file", type=Path)
    ev.add_argument("--index", type=Path)
    ev.add_argument("--mode", choices=MODES, default="hybrid")
    ev.add_argument("-k", type=int, default=10)
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--failures", action="store_true", help="list the questions that went wrong")

    serve = sub.add_parser("serve", help="serve the chat page and the JSON API")
    serve.add_argument("--index", type=Path)
    serve.add_argument("--corpus", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=_positive, default=2, help="processes (default 2: one per core here)")
    serve.add_argument("--threads", type=_positive, default=4, help="connections each worker serves at once (default 4)")
    return parser


def _positive(text: str) -> int:
    """An argparse type: a whole number of at least 1 (a server of 0 workers or threads hangs)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is less than 1")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            index_dir=getattr(args, "index", None),
            corpus_dir=getattr(args, "corpus", None),
            device=getattr(args, "device", None),
        )
        return _COMMANDS[args.command](args, settings)
    except CcqaError as exc:
        print(f"ccqa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ccqa: interrupted", file=sys.stderr)
        return 130


def _build(args: argparse.Namespace, settings: Settings) -> int:
    from ccqa.index.build import build_index

    progress = sys.stderr.isatty() and not args.json
    if progress:  # the encoder reports every few thousand texts embedded
        logging.getLogger("ccqa.embed.onnx_encoder").setLevel(logging.INFO)
    report = build_index(settings, full=args.full, strict=args.strict, wait=args.wait, progress=progress)
    print(json.dumps(report.to_dict(), indent=2) if args.json else report.summary())
    return 0


def _setup(args: argparse.Namespace, settings: Settings) -> int:
    from ccqa.embed.model import verified_model_path
    from ccqa.embed.onnx_encoder import prepare_export
    from ccqa.embed.reader_model import ensure_reader_onnx
    from ccqa.lang.bilingual import prepare_dictionary

    cache_dir = settings.setup_dir
    model_path = verified_model_path(settings.model_path, settings.model_sha256)
    try:
        path, sha256 = prepare_export(model_path, settings.model_sha256, cache_dir)
        dictionary = prepare_dictionary(cache_dir)
        reader = ensure_reader_onnx(cache_dir, settings.reader_folder)[0] if settings.reader else None
    except OSError as exc:
        raise CcqaError(f"cannot write to {cache_dir}: {exc}; set CCQA_CACHE_DIR to a writable folder") from exc
    print(f"ready in {cache_dir}: the ONNX encoder {path.name} (sha256 {sha256[:16]})"
          + (f", the dictionary's terms {dictionary.name}" if dictionary is not None else "")
          + (f", the reader {reader.name}" if reader is not None else ""))
    return 0


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from ccqa.serve import limit_threads
    from ccqa.service import QA

    limit_threads(settings.threads)
    answer = QA.open(settings).ask(args.question, k=args.k, history=args.history, mode=args.mode)
    print(json.dumps(answer.to_dict(), indent=2, ensure_ascii=False) if args.json else render(answer))
    return 0


def render(answer: Answer) -> str:
    """A readable answer for the terminal: the sentence, then the cited passages."""
    lines = [f"Q: {answer.question}"]
    if answer.resolved_question != answer.question:
        lines.append(f"   (read as: {answer.resolved_question})")
    if answer.answer is not None:
        title = answer.passages[answer.answer.citation].citation.title
        lines += [f"A: {answer.answer.text} [{answer.answer.citation + 1}]", f"   from “{title}”", ""]
        lines.append("Passages:")
    else:
        lines += [f"A: {answer.message}", "", "Related passages:"]
    for number, passage in enumerate(answer.passages, 1):
        c = passage.citation
        where = f"chars {c.start}-{c.end}" + (f", page {c.page}" if c.page else "")
        lines.append(f"[{number}] {c.title} ({where}, score {passage.score:.3f})")
        text = passage.text
        if passage.highlight is not None:
            a, b = passage.highlight.start - c.start, passage.highlight.end - c.start
            text = f"{text[:a]}»{text[a:b]}«{text[b:]}"
        lines += ["    " + line for line in text.splitlines()]
    return "\n".join(lines)


def _eval(args: argparse.Namespace, settings: Settings) -> int:
    from ccqa.evaluate import evaluate, read_questions
    from ccqa.serve import limit_threads
    from ccqa.service import QA

    limit_threads(settings.threads)
    questions = read_questions(args.file)
    qa = QA.open(settings)
    report = evaluate(questions, lambda q: qa.ask(q.q, k=args.k, history=q.history, mode=args.mode))
    result = report.to_dict()
    if args.json:
        print(json.dumps(result))
    else:
        print(render_eval(result))
    if args.failures:
        for failure in report.failures:
            print(json.dumps(failure, ensure_ascii=False), file=sys.stderr)
    return 0


EVAL_COLUMNS = ("n", "hit@1", "hit@3", "hit@5", "mrr@10", "sentence_acc", "exact@1", "no_answer_recall",
                "false_no_answer_rate")


def render_eval(result: dict[str, Any]) -> str:
    """The eval report as a table: all questions, then each set and kind of question."""
    rows = [("all", result)]
    rows += [(f"set {name}", group) for name, group in result.get("by_set", {}).items()]
    rows += [(f"kind {name}", group) for name, group in result.get("by_kind", {}).items()]
    lines = ["| questions | " + " | ".join(EVAL_COLUMNS) + " |", "|---" * (len(EVAL_COLUMNS) + 1) + "|"]
    lines += ["| " + name + " | " + " | ".join(str(group[c]) for c in EVAL_COLUMNS) + " |" for name, group in rows]
    return "\n".join(lines)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from ccqa.serve import serve

    return serve(settings, host=args.host, port=args.port, workers=args.workers,
                 threads_per_worker=args.threads)


_COMMANDS = {"setup": _setup, "build": _build, "ask": _ask, "eval": _eval, "serve": _serve}


if __name__ == "__main__":  # ``python -m ccqa.cli``: how the server runs a rebuild in a child process
    raise SystemExit(main())
