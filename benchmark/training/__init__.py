"""Training any registered deep model: the model-agnostic loop and its parts.

One job per module: ``loop`` (the epochs), ``run_setup`` (model, data, optimiser, resume),
``step`` (one optimisation step), ``losses`` (loss terms), ``recipes`` (what each recipe is), ``schedule`` (learning
rates in samples seen), ``grad_clip`` (GCA clipping), ``data`` (torch Dataset, sharded
sampler, seeded workers), ``distributed`` (torchrun process group), ``state`` (checkpoint
contents), ``log`` (train.jsonl), ``validate`` (scoring during training), ``config``.
A model is trainable when it declares a ``TrainingSpec`` (``benchmark.models.interface``).

Example:
    >>> from benchmark.training import RECIPES
    >>> sorted(RECIPES)
    ['dim', 'gca', 'indexnet', 'paper', 'vitmatte']
"""

from benchmark.training.config import TrainConfig, TrainResult
from benchmark.training.grad_clip import GradClipper
from benchmark.training.loop import train
from benchmark.training.losses import composition_l1_sum, unknown_l1_sum
from benchmark.training.recipes import RECIPES
from benchmark.training.schedule import make_schedule
from benchmark.training.state import MODEL_FORMAT, STATE_FORMAT, training_data_tag

__all__ = [
    "train",
    "TrainConfig",
    "TrainResult",
    "GradClipper",
    "RECIPES",
    "make_schedule",
    "unknown_l1_sum",
    "composition_l1_sum",
    "MODEL_FORMAT",
    "STATE_FORMAT",
    "training_data_tag",
]
