"""The CPU numba compiles the kernels for: this machine's, with 512-bit vectors where it has
them.

LLVM tunes Intel's AVX-512 CPUs to prefer 256-bit vectors ("prefer-256-bit": on the first
AVX-512 chips the wide units lowered the clock for everything else). The kernels are long
runs of multiply-adds over contiguous floats; on the 2-core Xeon (Emerald Rapids) the project
is measured on, a training step at batch 64 took 0.85 of its time (median of six alternating
runs, 0.82-0.98) with the preference turned off. The oldest AVX-512 chips (Skylake-SP,
Cascade Lake, Cooper Lake), where the clock drop was real, keep LLVM's choice.

`prefer_wide_vectors()` runs when `lenet` is imported, before numba compiles or loads
anything: it sets ``NUMBA_CPU_FEATURES`` (read by numba at its first compile, and passed on
to the processes `lenet.compile_ahead` starts). numba's on-disk cache is keyed by the
features, so it never mixes code built for one setting with the other. A user's own
``NUMBA_CPU_NAME`` or ``NUMBA_CPU_FEATURES`` wins; ``LENET_VECTOR_WIDTH=256`` keeps LLVM's
choice.
"""

from __future__ import annotations

import os

__all__ = ["prefer_wide_vectors"]

_CLOCK_DROPPING = {"skylake-avx512", "cascadelake", "cooperlake", "knl", "knm"}


def prefer_wide_vectors() -> bool:
    """Let numba use 512-bit vectors on this CPU if it has AVX-512; returns whether it will."""
    if os.environ.get("NUMBA_CPU_FEATURES") or os.environ.get("NUMBA_CPU_NAME"):
        return "-prefer-256-bit" in os.environ.get("NUMBA_CPU_FEATURES", "")
    if os.environ.get("LENET_VECTOR_WIDTH") == "256":
        return False
    import llvmlite.binding as llvm  # numba's own LLVM binding, ~40 ms to load

    features = llvm.get_host_cpu_features()
    if not features.get("avx512f") or llvm.get_host_cpu_name() in _CLOCK_DROPPING:
        return False
    os.environ["NUMBA_CPU_FEATURES"] = features.flatten() + ",-prefer-256-bit"
    return True
