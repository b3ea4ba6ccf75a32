"""Where ``mattebench eval`` writes: ``NAME.csv`` and the protocol record ``NAME.json`` beside it.

:func:`check_scores_path` checks both before any image is scored (never inside an input,
never over an existing file without ``overwrite``, a name ending in ``.csv``);
:func:`write_scores` writes them atomically.

Example:
    >>> import tempfile, pathlib
    >>> check_scores_path(pathlib.Path(tempfile.mkdtemp()) / "scores.csv").name
    'scores.json'
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from benchmark.metrics import METRIC_NAMES
from benchmark.metrics.scales import csv_float
from human2k.errors import OutputError
from human2k.images import atomic_write_bytes
from human2k.outputs import prepare_output_file
from human2k.paths import check_not_overlapping

__all__ = ["CSV_COLUMNS", "check_scores_path", "write_scores"]

CSV_COLUMNS = ("image", "sad", "mse", "grad", "conn")


def check_scores_path(
    csv_path: str | os.PathLike,
    *,
    inputs: dict[str, str | os.PathLike | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Check the output of :func:`write_scores` before any work; return the JSON path.

    Raises:
        OverlapError: the CSV or JSON is, or lies inside, one of INPUTS (``{description: path}``).
        OutputError: CSV_PATH does not end in ``.csv`` (its ``.json`` would replace it).
        OutputExistsError: one of them exists and ``overwrite`` is off. WriteError: unwritable.
    """
    csv_path = Path(csv_path)
    check_not_overlapping(csv_path, inputs or {})
    if csv_path.suffix.lower() != ".csv":
        raise OutputError(
            csv_path,
            "must end in .csv (the protocol record is written beside it as NAME.json)",
            param="out",
        )
    json_path = csv_path.with_suffix(".json")
    for path in (csv_path, json_path):
        check_not_overlapping(path, inputs or {})
        prepare_output_file(path, overwrite=overwrite)
    return json_path


def write_scores(
    result: Any,
    csv_path: str | os.PathLike,
    *,
    inputs: dict[str, str | os.PathLike | None] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write ``image,sad,mse,grad,conn`` (SAD/1000, MSE raw, Grad/1000, Conn/1000) to CSV_PATH and
    the protocol record to the companion ``.json``; both atomically. Returns the JSON path.
    RESULT is a :class:`~benchmark.scoring.evaluate.EvalResult`.

    CSV_PATH is checked first (:func:`check_scores_path`, with INPUTS and OVERWRITE)."""
    json_path = check_scores_path(csv_path, inputs=inputs, overwrite=overwrite)
    csv_path = Path(csv_path)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for r in result.records:
        writer.writerow([r["image"], *(csv_float(r[k]) for k in METRIC_NAMES)])
    atomic_write_bytes(csv_path, buf.getvalue().encode())
    atomic_write_bytes(json_path, json.dumps(result.protocol(), indent=2, sort_keys=True).encode())
    return json_path
