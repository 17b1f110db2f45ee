"""A saved model's trees compiled to machine code, for scoring millions of rows a night.

LightGBM walks its trees node by node through a generic interpreter: about 150k rows a
second on two cores for a few hundred 63-leaf trees. lleaves (LLVM, through llvmlite)
turns the same model file into one native function per forest; on this machine's kind
it scores the nightly model about 5× faster, and its raw margins equal LightGBM's to
float rounding (``tests/analytics/test_compiled_trees.py`` holds them to 1e-9).

Compiling takes a while (about 50 s for 436 trees), so the library is kept beside the
model, named by a digest of the model file, lleaves' version and the machine it was
built for: a model never meets a library built from another, and a copy of the model
directory to another kind of machine builds its own. Anything going wrong here falls
back to LightGBM's own predictor, which gives the same numbers more slowly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import platform
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

log = logging.getLogger(__name__)

#: Score with compiled trees from this many rows on: below it, compiling costs more
#: than it saves (the demo's and the tests' provinces never compile).
COMPILE_FROM_ROWS = 200_000
CACHE_DIR = "compiled"

Margins = Callable[[NDArray[np.float64]], NDArray[np.float64]]


def library_path(model_file: Path) -> Path:
    """Where the compiled library of ``model_file`` lives (it may not exist yet)."""
    digest = hashlib.sha256(model_file.read_bytes())
    for part in (_lleaves_version(), platform.machine(), platform.processor(), _cpu_flags()):
        digest.update(b"\0" + part.encode())
    return model_file.parent / CACHE_DIR / f"trees-{digest.hexdigest()[:16]}.so"


def compiled_margins(model_file: Path, *, threads: int | None = None) -> Margins | None:
    """Raw margins (before any link function) from ``model_file``'s compiled trees.

    Builds and stores the library the first time; None when lleaves is unavailable or
    compiling fails, so that the caller uses LightGBM instead.
    """
    try:
        import lleaves
    except ImportError:
        log.warning("lleaves is not installed; scoring with LightGBM's predictor")
        return None
    target = library_path(model_file)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        forest = lleaves.Model(model_file=str(model_file))
        if target.exists():
            forest.compile(cache=str(target), raw_score=True)
        else:
            # Built under a private name and renamed: a run killed while compiling leaves
            # no half-written library for the next one to load.
            partial = target.with_name(f"{target.stem}.{os.getpid()}.partial")
            forest.compile(cache=str(partial), raw_score=True)
            partial.replace(target)
    except Exception:  # any failure here has the same, correct fallback
        log.exception("compiling %s failed; scoring with LightGBM's predictor", model_file)
        return None
    jobs = threads or os.cpu_count() or 1

    def margins(matrix: NDArray[np.float64]) -> NDArray[np.float64]:
        return np.asarray(forest.predict(matrix, n_jobs=jobs), dtype=np.float64)

    return margins


def _lleaves_version() -> str:
    try:
        return metadata.version("lleaves") + "/" + metadata.version("llvmlite")
    except metadata.PackageNotFoundError:
        return "none"


def _cpu_flags() -> str:
    """The CPU's feature flags (Linux), since LLVM builds for the host CPU."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""
