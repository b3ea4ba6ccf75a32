"""Load the released TIMI-Net weights (``TIMI-Net.pth``) strictly.

The released checkpoint is a bare generator state_dict with 663 entries
(``reference/timinet_state_dict_keys.txt``): ``encoder.*`` / ``decoder.*`` keys, spectral-norm
convs as ``.module.weight_bar/_u/_v``. The stored SN vectors u and v are kept as they are, so
outputs equal the released code's. Wrappers and ``module.`` prefixes are handled by
:func:`benchmark.models.checkpoint.read_checkpoint`.

Example:
    >>> import tempfile, os, torch
    >>> path = os.path.join(tempfile.mkdtemp(), "w.pth")
    >>> torch.save(torch.nn.Linear(2, 1).state_dict(), path)
    >>> sorted(load_official_checkpoint(torch.nn.Linear(2, 1), path))
    ['bias', 'weight']
"""

from __future__ import annotations

import os

import torch
from torch import nn

from benchmark.models.checkpoint import load_checkpoint

__all__ = ["load_official_checkpoint"]


def load_official_checkpoint(model: nn.Module, path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """Load ``TIMI-Net.pth`` (or a wrapped save) into a TimiNet strictly; returns the state_dict.

    Args:
        model: a :class:`~timinet.network.TimiNet` built with the released structure (the
            default ``create_model("timinet")``).
        path: the weights file.

    Raises:
        ModelError: unreadable file, or missing / unexpected / mis-shaped keys (all listed).
    """
    return load_checkpoint(model, path)
