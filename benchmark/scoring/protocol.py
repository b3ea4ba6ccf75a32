"""The evaluation protocol: everything that changes a number, recorded next to it.

A score run writes ``RESULTS/<dataset>/<model>/<run-id>/`` with ``per_image.csv`` (columns
``image,sad,mse,grad,conn,seconds``; SAD/1000, MSE raw, Grad/1000, Conn/1000) and ``run.json``
(a serialised :class:`RunRecord`). Leaderboards put two runs in the same table only when their
:meth:`Protocol.key` is equal.

Example:
    >>> p = Protocol(dataset="comp1k", split="test", trimap_source="official")
    >>> p.key()
    ('comp1k', 'test', '', 'official', 'unknown', 'round', 'dim-matlab-1', 'native')
"""

from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from benchmark.metrics.scales import METRIC_VERSION

__all__ = ["Protocol", "RunRecord", "read_run", "RUN_JSON", "PER_IMAGE_CSV", "PER_IMAGE_COLUMNS"]

RUN_JSON = "run.json"
PER_IMAGE_CSV = "per_image.csv"
PER_IMAGE_COLUMNS = ("image", "sad", "mse", "grad", "conn", "seconds")


@dataclasses.dataclass(frozen=True)
class Protocol:
    """The fields that must agree for two numbers to be comparable.

    Attributes:
        dataset: dataset name (``comp1k``, ``d646``, ``human2k``, ``alphamatting``, ``synthetic``).
        split: ``test``, ``train``, or a trimap-set name for alphamatting (``trimap1``).
        manifest_sha256: SHA-256 of the dataset's manifest.json ('' when it has none).
        trimap_source: ``official``, ``generated:<preset>:seed=<s>``, ``trimap1``...
        region: ``unknown`` (DIM) or ``whole``.
        quantization: how predictions become uint8 (``round``; DIM practice).
        metric_version: implementation version of benchmark.metrics.
        resolution: ``native``, ``tiled`` or ``downscaled`` (the policy the model ran under).
    """

    dataset: str
    split: str
    manifest_sha256: str = ""
    trimap_source: str = ""
    region: str = "unknown"
    quantization: str = "round"
    metric_version: str = METRIC_VERSION
    resolution: str = "native"

    def key(self) -> tuple[str, ...]:
        return tuple(str(getattr(self, f.name)) for f in dataclasses.fields(self))

    def label(self) -> str:
        """Human-readable one-liner for table captions."""
        return (
            f"{self.dataset}/{self.split}, trimaps: {self.trimap_source or 'n/a'}, "
            f"region: {self.region}, quantisation: {self.quantization}, "
            f"resolution: {self.resolution}, metrics {self.metric_version}"
        )


@dataclasses.dataclass
class RunRecord:
    """One score run: protocol + model + environment + summary.

    Attributes:
        protocol: the comparability key fields.
        model: registered model name.
        model_config: the model's configuration (kwargs, flags).
        checkpoint_sha256: SHA-256 of the weights file ('' for none / classical).
        provenance: registry provenance (official-weights / reimplemented / classical / reference).
        training_data: tags of the data the weights were trained on ('' if none).
        seed: the seed of the run or of the training that made the checkpoint.
        device: ``cpu`` / ``cuda:0 (NVIDIA H100)``...
        wall_time_s: total wall time.
        n_images: images scored; n_failed: images that timed out or failed.
        means: metric means in the CSV scales (sad, mse, grad, conn).
        extra: anything else worth keeping (versions, command line, timeouts).
    """

    protocol: Protocol
    model: str
    model_config: dict[str, Any] = dataclasses.field(default_factory=dict)
    checkpoint_sha256: str = ""
    provenance: str = ""
    training_data: str = ""
    seed: int | None = None
    device: str = "cpu"
    wall_time_s: float = 0.0
    n_images: int = 0
    n_failed: int = 0
    means: dict[str, float] = dataclasses.field(default_factory=dict)
    extra: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True, default=str)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        data = dict(data)
        data["protocol"] = Protocol(**data["protocol"])
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


def read_run(run_dir: str | os.PathLike) -> RunRecord:
    """Load ``run.json`` from a run folder."""
    return RunRecord.from_dict(json.loads((Path(run_dir) / RUN_JSON).read_text()))
