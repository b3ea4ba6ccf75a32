"""Fixtures shared with the trainer tests (a tiny registered model, a training tree)."""

from tests.benchmark.training.test_train import one_thread, tiny, tree  # noqa: F401
