"""What every bench figure names: the CPU flags that decide how fast the int8 kernels run."""

from __future__ import annotations

from pathlib import Path

FLAGS = ("avx2", "avx512f", "avx512_vnni")


def cpu_flags() -> str:
    """"avx2 yes, avx512f yes, avx512_vnni no", read from /proc/cpuinfo."""
    flags: set[str] = set()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    return ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in FLAGS)
