"""Churn model: a calibrated LightGBM classifier, its reasons, and its evaluation.

``OMP_WAIT_POLICY=passive`` is set here, before LightGBM (and scikit-learn's
OpenMP runtime) is first imported: LightGBM and scikit-learn in one process on
2 cores were measured to stall for minutes in OpenMP spin-waits otherwise (issue 4).
This is the one deliberate exception to "only config.py reads the environment":
it writes a process default the OpenMP runtime reads at load time, and an
operator's explicit setting wins (``setdefault``).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

from weixi.analytics.churn.model import ChurnModel, load_model

__all__ = ["ChurnModel", "load_model"]
