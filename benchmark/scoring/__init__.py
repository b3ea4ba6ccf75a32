"""Scoring: a model over a dataset, or a folder of predictions, into run records.

* ``score`` — ``score_model``: resumable runs of a registered model (``score_run`` holds a
  run's state and record, ``score_loop`` the per-image loop, ``outcomes`` how each kind of
  model is run, ``run_store`` the per-image journal);
* ``evaluate`` — ``mattebench eval``: existing predictions against GT and trimaps;
* ``datasets`` — finding the images, trimaps and GT of a dataset folder;
* ``protocol`` — :class:`Protocol` and :class:`RunRecord`: everything that changes a number;
* ``environment`` — versions and devices recorded with each run;
* ``timeout`` — classical solvers in child processes under a per-image time budget.

Example:
    >>> from benchmark.scoring import Protocol
    >>> Protocol(dataset="comp1k", split="test").region
    'unknown'
"""

from benchmark.scoring.protocol import Protocol, RunRecord, read_run

__all__ = ["Protocol", "RunRecord", "read_run"]
