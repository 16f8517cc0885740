"""The ``ccqa`` command as a maintainer and a script use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccqa.cli import main


def test_ask_json_prints_the_api_object(seed_settings, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCQA_INDEX_DIR", str(seed_settings.index_dir))
    assert main(["ask", "What was the regional GDP in 2021?", "--json", "-k", "3"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["found"] is True and "7.39192 trillion" in answer["answer"]["text"]
    assert len(answer["passages"]) == 3
    citation = answer["passages"][0]["citation"]
    assert set(citation) >= {"doc_id", "title", "source", "passage_id", "start", "end"}
    assert citation["title"].startswith("Construction of Chengdu-Chongqing Economic Circle")


def test_ask_prints_a_readable_answer(seed_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "Who is Li Hongni?", "--index", str(seed_settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: Who is Li Hongni?")
    assert "A: On June 6, Li Hongni" in out and "[1]" in out and "»" in out


def test_ask_without_an_index_is_one_line_and_nonzero(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["ask", "anything", "--index", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "ccqa build" in err


def test_ask_with_a_reader_folder_that_holds_none_is_one_line_and_nonzero(seed_settings, tmp_path: Path, monkeypatch,
                                                                          capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCQA_READER_PATH", str(tmp_path / "no-reader"))
    assert main(["ask", "What was the regional GDP in 2021?", "--index", str(seed_settings.index_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "CCQA_READER_PATH" in err and "CCQA_READER=false" in err


def test_ask_with_a_ranker_folder_that_holds_none_is_one_line_and_nonzero(seed_settings, tmp_path: Path, monkeypatch,
                                                                        capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CCQA_RANKER_PATH", str(tmp_path / "no-rankers"))
    assert main(["ask", "What was the regional GDP in 2021?", "--index", str(seed_settings.index_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "CCQA_RANKER_PATH" in err


def test_build_json_reports_counts(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert main(["build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--json"]) == 2
    assert "no readable documents" in capsys.readouterr().err


def test_eval_json_has_the_documented_keys(seed_settings, capsys) -> None:  # type: ignore[no-untyped-def]
    questions = Path(__file__).resolve().parents[1] / "eval" / "seed_calibration.jsonl"
    assert main(["eval", str(questions), "--index", str(seed_settings.index_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for key in ("n", "hit@1", "hit@3", "hit@5", "mrr@10", "sentence_acc", "no_answer_recall", "false_no_answer_rate"):
        assert key in report
    assert report["n"] == 115


@pytest.mark.parametrize("argv", [["ask"], ["eval"], ["frobnicate"], ["serve", "--threads", "0"],
                                  ["serve", "--workers", "-1"], ["serve", "--threads", "four"]])
def test_bad_arguments_exit_nonzero(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2


def test_build_on_a_device_pytorch_cannot_use_is_one_line_and_builds_nothing(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("The railway opens in 2030.", encoding="utf-8")
    assert main(["build", "--corpus", str(corpus), "--index", str(tmp_path / "index"), "--device", "nosuchdevice"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ccqa: error: cannot embed on device 'nosuchdevice'")
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_setup_into_an_unwritable_folder_is_one_line_and_nonzero(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("CCQA_CACHE_DIR", str(blocker / "cache"))
    assert main(["setup"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "CCQA_CACHE_DIR" in err


def test_setup_done_once_is_reused(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    exports: list[Path] = []

    def fake_export(model_path: Path, destination: Path, quantize: bool) -> str:
        exports.append(destination)
        destination.write_bytes(b"onnx graph")
        return "unused"

    monkeypatch.setattr("ccqa.embed.onnx_encoder.export_onnx", fake_export)
    monkeypatch.setenv("CCQA_CACHE_DIR", str(tmp_path))
    assert main(["setup"]) == 0 and main(["setup"]) == 0
    out = capsys.readouterr().out
    assert len(exports) == 1 and out.count(f"ready in {tmp_path}") == 2 and "dictionary" in out
