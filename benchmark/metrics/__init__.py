"""DIM-exact matting metrics (SAD, MSE, Grad, Conn) with Numba kernels.

Values match the official DIM MATLAB evaluation code (``evaluate.m`` scales: SAD/1000, MSE raw,
Grad/1000, Conn/1000); see docs/metrics.md for every rule and how other ports differ.

Example:
    >>> import numpy as np
    >>> from benchmark.metrics import sad, mse
    >>> a = np.zeros((4, 4), np.uint8); t = np.full((4, 4), 128, np.uint8)
    >>> sad(a, a, t), mse(a, a, t)
    (0.0, 0.0)
"""

from benchmark.metrics._checks import MattingInputs, check_matting_inputs
from benchmark.metrics.accumulator import MattingMetrics, compute_all
from benchmark.metrics.conn import conn
from benchmark.metrics.grad import grad
from benchmark.metrics.mse import mse
from benchmark.metrics.sad import sad
from benchmark.metrics.scales import METRIC_NAMES, METRIC_VERSION, METRICS, MetricSpec

__all__ = [
    "METRICS",
    "METRIC_NAMES",
    "METRIC_VERSION",
    "MattingInputs",
    "MattingMetrics",
    "MetricSpec",
    "check_matting_inputs",
    "compute_all",
    "conn",
    "grad",
    "mse",
    "sad",
]
