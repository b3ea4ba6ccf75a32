"""What "byte-identical" means for sharded and Dask runs, in one place.

* composite: every file under the output folder has the same bytes, except the journal
  (bookkeeping: it records each task's time) and ``manifest.json``, whose content hash must be
  equal and which must be equal once its ``run`` section (timings, host) is removed;
* score: ``per_image.csv`` has the same bytes once its ``seconds`` column (the model's measured
  time) is removed; ``run.json`` is equal once the execution fields
  (``benchmark.scoring.run_summary.EXECUTION_FIELDS``) are removed and the results roots, which
  tests choose apart, are written alike;
* eval: ``NAME.csv`` has the same bytes; ``NAME.json`` is equal but for ``seconds``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from benchmark.scoring.run_summary import EXECUTION_FIELDS
from human2k.manifest import JOURNAL_NAME, MANIFEST_NAME


def files_sha(root: Path) -> dict[str, str]:
    """{relative path: sha256} of the composite outputs (journal and manifest left out)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name not in (JOURNAL_NAME, MANIFEST_NAME)
    }


def manifest_core(root: Path) -> dict:
    m = json.loads((root / MANIFEST_NAME).read_text())
    m.pop("run")
    return m


def assert_same_composite(a: Path, b: Path) -> None:
    assert files_sha(a) == files_sha(b)
    assert manifest_core(a) == manifest_core(b)
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())


def score_core(run_dir: Path, results_root: Path) -> tuple[dict, list[str]]:
    """run.json without execution fields (results root written as RESULTS), CSV without seconds."""
    text = (run_dir / "run.json").read_text().replace(str(results_root), "RESULTS")
    record = json.loads(text)
    for key in EXECUTION_FIELDS["top"]:
        record.pop(key)
    for key in EXECUTION_FIELDS["extra"]:
        record["extra"].pop(key, None)
    rows = [line.rsplit(",", 1)[0] for line in (run_dir / "per_image.csv").read_text().splitlines()]
    return record, rows


def eval_core(csv_path: Path) -> tuple[bytes, dict]:
    record = json.loads(csv_path.with_suffix(".json").read_text())
    record.pop("seconds")
    return csv_path.read_bytes(), record
