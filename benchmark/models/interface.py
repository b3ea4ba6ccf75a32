"""The one contract every model meets: what it is, what its weights are, how it predicts.

Every registered factory returns a :class:`MattingModel`:

* ``predict(image, trimap) -> alpha``: uint8 H×W×3 RGB + uint8 H×W trimap {0, 128, 255} in,
  float32 H×W alpha in [0, 1] out;
* ``name`` (the registered name, set by the registry), ``config`` (JSON-able options: what
  changes the numbers), ``weights`` (a :class:`WeightsRecord`: checkpoint + SHA-256,
  training-data tag and seed, or "untrained" / "training-free");
* ``default_policy`` and ``policies``: the inference policies it supports (deep models:
  ``benchmark.models.inference``; classical solvers: ``native`` only);
* ``isolate``: classical solvers run in a child process under a time budget unless False;
  ``warmup()`` is called once before timing.

Deep models are :class:`benchmark.models.deep.DeepMattingModel` (an ``nn.Module`` that adds
``preprocess``/``forward``, the tensor-level inference and what the trainer needs, a
:class:`TrainingSpec`). This module imports neither torch nor numpy-heavy code, so the registry
and ``mattebench --help`` stay cheap.

Example:
    >>> WeightsRecord.untrained().training_data, WeightsRecord.training_free().label()
    ('untrained (random init)', 'training-free')
    >>> WeightsRecord(checkpoint="m.pt", sha256="ab" * 32, training_data="train:comp1k", seed=3).label()
    'train:comp1k, seed 3 (m.pt, sha256 abababababab)'
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, ClassVar, Literal

__all__ = [
    "Provenance",
    "Kind",
    "ModelInfo",
    "WeightsRecord",
    "TrainingSpec",
    "MattingModel",
    "UNTRAINED",
    "TRAINING_FREE",
]

Provenance = Literal["official-weights", "reimplemented", "classical", "reference", "external"]
Kind = Literal["deep", "classical", "external"]

#: ``WeightsRecord.training_data`` of a deep model built without a checkpoint.
UNTRAINED = "untrained (random init)"
#: ``WeightsRecord.training_data`` of a model that learns nothing (classical solvers).
TRAINING_FREE = "training-free"


@dataclasses.dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a model, printed by ``mattebench models``.

    Attributes:
        name: registered name (the factory's ``__name__``).
        provenance: ``official-weights`` | ``reimplemented`` | ``classical`` | ``reference``
            | ``external`` (predictions scored by ``mattebench eval --name``).
        kind: ``deep`` (a torch module) or ``classical`` (a solver).
        paper: short citation, e.g. ``"Liu et al., ICCV 2021 (TIMI-Net)"``.
        description: one line on what it is (and which paper row for ablations).
        input_convention: what ``predict`` expects beyond RGB uint8 + trimap {0,128,255}.
        params: trainable parameter count (deep models), or None.
        license: licence of code / weights.
        weights: where official weights are published, if anywhere.
        trainable: ``mattebench train NAME`` works (the model declares a TrainingSpec).
        policies: inference policies the model supports; ``default_policy`` is used unless
            another is asked for.
        source: where the registration came from: ``module:function`` and, for a plugin,
            the distribution that declared it (filled in by the registry).
    """

    name: str
    provenance: Provenance
    kind: Kind
    paper: str = ""
    description: str = ""
    input_convention: str = "RGB uint8 H×W×3 + trimap uint8 {0,128,255}"
    params: int | None = None
    license: str = ""
    weights: str = ""
    trainable: bool = False
    policies: tuple[str, ...] = ("native",)
    default_policy: str = "native"
    source: str = ""


@dataclasses.dataclass(frozen=True)
class WeightsRecord:
    """Where a model's numbers come from: the weights file and what made it.

    Attributes:
        checkpoint: path of the weights file, or None (untrained / training-free).
        sha256: SHA-256 of that file ('' without one).
        training_data: ``official``, ``train:<dataset>`` (a mattebench training run),
            ``unknown``, :data:`UNTRAINED` or :data:`TRAINING_FREE`.
        seed: the seed of the training run that made the weights, when known.
    """

    checkpoint: str | None = None
    sha256: str = ""
    training_data: str = UNTRAINED
    seed: int | None = None

    @classmethod
    def untrained(cls) -> WeightsRecord:
        """A deep model with random initial weights."""
        return cls(training_data=UNTRAINED)

    @classmethod
    def training_free(cls) -> WeightsRecord:
        """A model without learned weights (classical solvers, trivial references)."""
        return cls(training_data=TRAINING_FREE)

    @property
    def loaded(self) -> bool:
        """True when weights were read from a file."""
        return self.checkpoint is not None

    def label(self) -> str:
        """One line for tables and logs."""
        if not self.loaded:
            return self.training_data
        seed = f", seed {self.seed}" if self.seed is not None else ""
        return f"{self.training_data}{seed} ({self.checkpoint}, sha256 {self.sha256[:12]})"


@dataclasses.dataclass(frozen=True)
class TrainingSpec:
    """What ``benchmark.training`` needs from a deep model beyond ``forward``.

    Attributes:
        recipes: training recipes the model can be trained with (``benchmark.training.schedule``).
        default_recipe: the one used when none is given (a model's own published recipe).
        loss_weights: loss terms of ``benchmark.training.losses.LOSS_TERMS`` and their weights,
            e.g. ``{"alpha_l1": 1.0}`` (GCA) or ``{"alpha_l1": 0.5, "composition_l1": 0.5}``.
        min_batch_size: smallest per-device batch the model trains with (BatchNorm on a 1×1
            map, e.g. ASPP's image pooling, needs 2); ``min_batch_reason`` says why.
        crop_multiple: training crops must be multiples of this (the network's stride).
        encoder_module: the submodule that takes ImageNet-pretrained backbone weights
            (``train --encoder-init``, ``benchmark.training.encoder_init``); '' when the model
            has none.
    """

    recipes: tuple[str, ...] = ("gca", "paper")
    default_recipe: str = "gca"
    loss_weights: dict[str, float] = dataclasses.field(default_factory=lambda: {"alpha_l1": 1.0})
    min_batch_size: int = 1
    min_batch_reason: str = ""
    crop_multiple: int = 32
    encoder_module: str = ""

    def __post_init__(self):
        if self.default_recipe not in self.recipes:
            raise ValueError(f"default_recipe {self.default_recipe!r} is not in {self.recipes}")
        if self.min_batch_size < 1 or self.crop_multiple < 1:
            raise ValueError("min_batch_size and crop_multiple must be >= 1")


class MattingModel(abc.ABC):
    """Base class of every registered model (classical solvers and, via ``DeepMattingModel``,
    deep networks). Subclasses set ``config`` in ``__init__`` and implement ``predict``.

    Class attributes (override in subclasses): ``kind``, ``default_policy``, ``policies``,
    ``isolate``. Instance attributes: ``name`` (set by the registry), ``config`` and
    ``weights``.
    """

    kind: ClassVar[Kind] = "classical"
    default_policy: ClassVar[str] = "native"
    policies: ClassVar[tuple[str, ...]] = ("native",)
    #: classical models: run each image in a child process under the time budget.
    isolate: ClassVar[bool] = True
    #: how the model's released test script turns alpha into 8 bits (``round`` | ``truncate``),
    #: used when it is scored under policy ``official``; None: no such script.
    official_quantization: ClassVar[str | None] = None

    name: str = ""
    config: dict[str, Any]
    weights: WeightsRecord = WeightsRecord.training_free()

    @abc.abstractmethod
    def predict(self, image, trimap):
        """Alpha (float32 H×W in [0, 1]) for a uint8 RGB image and its uint8 trimap."""

    def warmup(self) -> None:  # noqa: B027 - optional hook, empty by default
        """Load/compile whatever the first call would (Numba kernels), before timing."""
