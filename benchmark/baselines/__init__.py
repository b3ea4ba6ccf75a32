"""Classical and trivial baselines; importing this package registers them."""

from benchmark.baselines.trivial import TrimapOnly, trimap_only

__all__ = ["TrimapOnly", "trimap_only"]
