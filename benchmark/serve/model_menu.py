"""The matting tab's model menu: :func:`find_models` offers every registered classical model,
plus one entry per checkpoint in ``--models-dir`` whose deep model can be told — the file stem
names a registered model (``timinet.pth``, ``timinet.official.pth``, ``timinet--run3.pt`` →
``timinet``), else the ``model_name`` a mattebench training save stores; other files are
reported, not offered. :class:`ModelPool` builds models on first use through the registry and
keeps at most two deep ones in memory.

Example:
    >>> [c.label for c in find_models(None)[0]][:2]
    ['closed_form', 'knn']
"""

from __future__ import annotations

import collections
import dataclasses
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from benchmark.models.registry import create_model, is_model, list_models, model_info
from human2k.errors import InputError, MattebenchError, ModelError

__all__ = ["ModelChoice", "find_models", "ModelPool", "CHECKPOINT_SUFFIXES"]

CHECKPOINT_SUFFIXES = (".pt", ".pth", ".ckpt")


@dataclasses.dataclass(frozen=True)
class ModelChoice:
    """One entry of the model menu: the label shown, the registered name, the weights file."""

    label: str
    model: str
    checkpoint: Path | None = None


def _model_from_file(path: Path) -> str | None:
    stem = path.name[: -len(path.suffix)]
    for candidate in (stem, stem.split("--")[0]):
        if candidate and is_model(candidate) and model_info(candidate).kind == "deep":
            return candidate
    try:
        from benchmark.models.checkpoint import read_checkpoint

        _, meta = read_checkpoint(path)
    except MattebenchError:
        return None
    name = str(meta.get("model_name") or "")
    if name and is_model(name) and model_info(name).kind == "deep":
        return name
    return None


def find_models(models_dir: str | os.PathLike | None) -> tuple[list[ModelChoice], list[str]]:
    """The model menu (classical models first, then one entry per usable checkpoint) and the
    files of MODELS_DIR that were skipped, each with the reason.

    Example:
        >>> choices, skipped = find_models(None)
        >>> [c.label for c in choices][:2], skipped
        (['closed_form', 'knn'], [])
    """
    choices = [ModelChoice(name, name) for name in list_models(kind="classical")]
    skipped: list[str] = []
    if models_dir is None:
        return choices, skipped
    folder = Path(models_dir)
    if not folder.is_dir():
        raise InputError(folder, "models folder not found", param="models_dir")
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not path.is_file() or path.suffix.lower() not in CHECKPOINT_SUFFIXES:
            continue
        name = _model_from_file(path)
        if name is None:
            skipped.append(f"{path.name}: names no registered deep model (stem or model_name)")
            continue
        choices.append(ModelChoice(f"{name} ({path.name})", name, path))
    return choices, skipped


class ModelPool:
    """Models built on first use (thread-safe); at most MAX_DEEP deep models stay in memory.

    Example:
        >>> pool = ModelPool(find_models(None)[0])
        >>> pool.get("trimap_only").name
        'trimap_only'
    """

    def __init__(self, choices: Sequence[ModelChoice], *, max_deep: int = 2):
        self.choices = {c.label: c for c in choices}
        self.max_deep = max_deep
        self._lock = threading.Lock()
        self._models: collections.OrderedDict[str, object] = collections.OrderedDict()

    @property
    def labels(self) -> list[str]:
        return list(self.choices)

    def get(self, label: str):
        """The model of a menu label (raises ModelError for a label not on the menu)."""
        choice = self.choices.get(label)
        if choice is None:
            raise ModelError(f"model {label!r} is not offered here; choose one of the menu")
        with self._lock:
            if label in self._models:
                self._models.move_to_end(label)
                return self._models[label]
            ckpt = str(choice.checkpoint) if choice.checkpoint else None
            try:
                model = create_model(choice.model, checkpoint=ckpt)
            except MattebenchError as exc:
                raise ModelError(str(exc).replace(str(choice.checkpoint), label)) from None
            self._models[label] = model
            deep = [k for k in self._models if self.choices[k].checkpoint is not None]
            while len(deep) > self.max_deep:
                self._models.pop(deep.pop(0))
            return model
