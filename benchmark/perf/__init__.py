"""Benchmarks that print ratios against a reference implementation measured in the same run
(``mattebench perf ...``): metrics, composition, HDF5 reads, model memory and speed.

Example:
    >>> from benchmark.perf.metrics import bench_metrics
    >>> callable(bench_metrics)
    True
"""
