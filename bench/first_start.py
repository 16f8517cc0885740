"""A full build's wall time and peak memory, before and after the one-time steps moved to
``ccqa setup``, measured in the same run on the same machine.

"before" runs the build of the baseline commit's ``src/`` (``--baseline``, which exports the
model with PyTorch and reads CC-CEDICT on every full build); "after" runs this tree's, with
the cache ``ccqa setup`` filled beforehand (not timed: it is the install's step). Each build is
``python -m ccqa.cli build --full --corpus C --index <fresh folder>`` under ``/usr/bin/time -v``.
Corpora: the seed article (``corpus/``), the development collection (``eval/collection``) and
SQuAD v1.1 dev's 48 articles (written by ``bench/squad.py``'s ``write_corpus``).

    .venv/bin/python bench/first_start.py --baseline e0d9f7a [--corpus seed collection squad] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import cpu_flags

REPO = Path(__file__).resolve().parents[1]
CORPORA = {"seed": REPO / "corpus", "collection": REPO / "eval" / "collection"}



def timed_build(src: Path, corpus: Path, work: Path, cache: Path) -> tuple[float, float, float]:
    """(wall s, peak RSS MB, user+sys CPU s) of one full build into a fresh folder."""
    index = Path(tempfile.mkdtemp(dir=work, prefix="index-"))
    env = {**os.environ, "PYTHONPATH": str(src), "HF_HUB_OFFLINE": "1", "CCQA_CACHE_DIR": str(cache)}
    done = subprocess.run(["/usr/bin/time", "-v", sys.executable, "-m", "ccqa.cli", "build", "--full",
                           "--corpus", str(corpus), "--index", str(index)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"build failed ({src}): {done.stderr[-2000:]}")

    def field(name: str) -> str:
        match = re.search(rf"{re.escape(name)}: (.+)", done.stderr)
        assert match, name
        return match.group(1).strip()

    minutes, _, seconds = field("Elapsed (wall clock) time (h:mm:ss or m:ss)").rpartition(":")
    wall = float(seconds) + 60 * float(minutes.split(":")[-1] or 0)
    cpu = float(field("User time (seconds)")) + float(field("System time (seconds)"))
    return wall, int(field("Maximum resident set size (kbytes)")) / 1024, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", required=True, help="the commit whose build is 'before'")
    parser.add_argument("--corpus", nargs="+", default=["seed", "collection", "squad"],
                        choices=["seed", "collection", "squad"])
    parser.add_argument("--repeat", type=int, default=1, help="builds of each kind (the median is shown)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ccqa-first-start-") as tmp:
        work = Path(tmp)
        baseline = work / "baseline"
        baseline.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.baseline, "src"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(baseline)], input=archive, check=True)
        cache = work / "cache"
        env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "CCQA_CACHE_DIR": str(cache)}
        subprocess.run([sys.executable, "-m", "ccqa.cli", "setup"], env=env, check=True, capture_output=True)
        corpora = dict(CORPORA)
        if "squad" in args.corpus:
            sys.path.insert(0, str(REPO / "bench"))
            import squad

            squad.write_corpus(work / "squad")
            corpora["squad"] = work / "squad"
        print(f"cpu: {os.cpu_count()} cores; {cpu_flags()}; load average at start {os.getloadavg()[0]:.1f}")
        print("| corpus | before: wall s, peak MB, CPU s | after | wall after/before | peak after/before |")
        print("|---|---|---|---|---|")
        for name in args.corpus:
            rows = {}
            for kind, src in (("before", baseline / "src"), ("after", REPO / "src")):
                runs = [timed_build(src, corpora[name], work, cache) for _ in range(args.repeat)]
                rows[kind] = tuple(statistics.median(r[i] for r in runs) for i in range(3))
            b, a = rows["before"], rows["after"]
            print(f"| {name} | {b[0]:.2f}, {b[1]:.0f}, {b[2]:.2f} | {a[0]:.2f}, {a[1]:.0f}, {a[2]:.2f} | "
                  f"{a[0] / b[0]:.2f} | {a[1] / b[1]:.2f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
