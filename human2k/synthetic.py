"""Procedural matting data: the embedded default dataset (no image is bundled with mattebench).

The public entry point: it re-exports, unchanged, the names of the modules that do the work.

* ``synth_sample`` / ``synth_background`` (``human2k.synthetic_sample``): one foreground with its
  alpha matte (hair, veil, holes, soft edges) and one textured background, pure NumPy and
  deterministic for a given ``np.random.Generator`` state.
* ``write_comp1k_tree`` / ``SynthTree`` (``human2k.synthetic_comp1k``): an Adobe
  Composition-1K tree with COCO/VOC backgrounds, laid out exactly like the real dataset.
* ``write_d646_tree`` / ``D646Tree`` (``human2k.synthetic_d646``): a Distinctions-646 tree
  with HAttMatting's CRLF lists.
* ``write_human2k_raw`` / ``Human2KRaw`` (``human2k.synthetic_human2k``): a raw folder of
  "human photos" + mattes + ``provenance.csv`` for the Human-2K builder.
* ``JPEG_QUALITY`` (``human2k.synthetic_files``): the fixed JPEG quality of every tree.

Each writer's module docstring documents its exact layout. Everything is byte-identical for a
given seed and library versions (fixed JPEG quality, no timestamps in PNG), and the default
Composition-1K tree takes well under a second.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> fg, alpha = synth_sample(rng, size=(64, 48))
    >>> fg.shape, alpha.shape, alpha.dtype.name, int(alpha.min()), int(alpha.max())
    ((48, 64, 3), (48, 64), 'uint8', 0, 255)
"""

from __future__ import annotations

from human2k.synthetic_comp1k import SynthTree, write_comp1k_tree
from human2k.synthetic_d646 import D646Tree, write_d646_tree
from human2k.synthetic_files import JPEG_QUALITY
from human2k.synthetic_human2k import Human2KRaw, write_human2k_raw
from human2k.synthetic_sample import synth_background, synth_sample

__all__ = [
    "SynthTree",
    "D646Tree",
    "Human2KRaw",
    "synth_sample",
    "synth_background",
    "write_comp1k_tree",
    "write_d646_tree",
    "write_human2k_raw",
    "JPEG_QUALITY",
]
