"""Classical and trivial baselines; importing this package registers them.

``trimap_only`` is the floor; ``closed_form``, ``knn``, ``lkm`` and ``random_walk`` are the
pymatting solvers (see :mod:`benchmark.baselines.pymatting_solvers`).
"""

from benchmark.baselines.pymatting_solvers import (
    PymattingSolver,
    closed_form,
    knn,
    lkm,
    random_walk,
)
from benchmark.baselines.trivial import TrimapOnly, trimap_only

__all__ = ["PymattingSolver", "TrimapOnly", "closed_form", "knn", "lkm", "random_walk", "trimap_only"]
