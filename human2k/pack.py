"""HDF5 pack of a composited split: one chunked file the trainer reads faster than PNGs.

Layout of ``OUT/<split>.h5`` (written by :func:`pack_split` from ``OUT/<split>/``)::

    /fg/<stem>          uint8 H×W×3      one per foreground
    /alpha/<stem>       uint8 H×W
    /merged/<name>      uint8 H×W×3      one per composite (name = <stem>_<k>)
    /bg/<name>          uint8 H×W×3      when the split has bg/ (--save-bg)
    /trimaps/<name>     uint8 H×W        when the split has trimaps/
    /names              the composite names, in order (fixed-length UTF-8 bytes)
    /fg_of              the fg stem of each composite (same order)

Datasets are chunked in 256×256 tiles and LZF-compressed (fast to decode; ``compression`` can
be ``gzip`` or ``None``); ``track_times=False`` so a pack of the same images is byte-identical.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from human2k.images import write_png
    >>> d = Path(tempfile.mkdtemp())
    >>> write_png(d / "s/fg/a.png", np.zeros((4, 5, 3), np.uint8)); write_png(d / "s/alpha/a.png", np.zeros((4, 5), np.uint8))
    >>> write_png(d / "s/merged/a_0.png", np.ones((4, 5, 3), np.uint8))
    >>> _ = pack_split(d / "s", d / "s.h5")
    >>> with PackReader(d / "s.h5") as r:
    ...     r.names, r.sample(0)["merged"].shape, int(r.sample(0)["merged"][0, 0, 0])
    (['a_0'], (4, 5, 3), 1)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from human2k.errors import DatasetError
from human2k.images import read_alpha, read_rgb, read_trimap

__all__ = ["pack_split", "PackReader"]

_GROUPS = (
    ("fg", "rgb"),
    ("alpha", "alpha"),
    ("merged", "rgb"),
    ("bg", "rgb"),
    ("trimaps", "trimap"),
)


def _read(path: Path, kind: str) -> np.ndarray:
    return {"rgb": read_rgb, "alpha": read_alpha, "trimap": read_trimap}[kind](path)


def pack_split(
    split_dir: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    compression: str | None = "lzf",
    progress=None,
) -> dict[str, int]:
    """Pack the PNGs of one composited split into one HDF5 file (written atomically).

    Args:
        split_dir: ``OUT/<split>`` with ``fg/``, ``alpha/``, ``merged/`` (and optionally
            ``bg/``, ``trimaps/``).
        out_path: the ``.h5`` file to write.
        compression: ``lzf`` (default), ``gzip`` or None.
        progress: ``progress("pack", done, total)`` (``human2k.progress``).

    Returns:
        Number of images per group.
    """
    split_dir, out_path = Path(split_dir), Path(out_path)
    if not (split_dir / "merged").is_dir():
        raise DatasetError(
            f"{split_dir}: no merged/ folder to pack (run `mattebench composite` first)"
        )
    files = {
        g: sorted((split_dir / g).glob("*.png")) for g, _ in _GROUPS if (split_dir / g).is_dir()
    }
    total = sum(len(v) for v in files.values())
    tmp = out_path.with_name(f".{out_path.name}.tmp")
    counts: dict[str, int] = {}
    done = 0
    with h5py.File(tmp, "w") as h5:
        for group, kind in _GROUPS:
            if group not in files:
                continue
            g = h5.create_group(group)
            for p in files[group]:
                arr = _read(p, kind)
                chunks = (min(256, arr.shape[0]), min(256, arr.shape[1])) + arr.shape[2:]
                g.create_dataset(
                    p.stem, data=arr, chunks=chunks, compression=compression, track_times=False
                )
                done += 1
                if progress is not None:
                    progress("pack", done, total)
            counts[group] = len(files[group])
        names = [p.stem for p in files["merged"]]
        fg_of = [n.rsplit("_", 1)[0] for n in names]
        for key, values in (
            ("names", names),
            ("fg_of", fg_of),
        ):  # fixed-length UTF-8: byte-identical files
            enc = [v.encode("utf-8") for v in values]
            h5.create_dataset(
                key,
                data=np.array(enc, dtype=f"S{max([len(e) for e in enc] + [1])}"),
                track_times=False,
            )
    os.replace(tmp, out_path)
    return counts


class PackReader:
    """Random access to a pack: ``sample(i)`` gives merged, alpha, fg (and trimap/bg) arrays.

    Open it in each DataLoader worker (h5py handles must not cross a fork).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.is_file():
            raise DatasetError(f"{self.path}: HDF5 pack not found")
        self._h5 = h5py.File(self.path, "r")
        self.names: list[str] = [
            n.decode() if isinstance(n, bytes) else n for n in self._h5["names"][()]
        ]
        self._fg_of = [n.decode() if isinstance(n, bytes) else n for n in self._h5["fg_of"][()]]

    def __len__(self) -> int:
        return len(self.names)

    def read(self, group: str, name: str) -> np.ndarray:
        """One image of GROUP (``merged``, ``alpha``, ``fg``, ``bg``, ``trimaps``)."""
        return self._h5[group][name][()]

    def sample(self, i: int) -> dict[str, Any]:
        name, stem = self.names[i], self._fg_of[i]
        out: dict[str, Any] = {
            "name": name,
            "merged": self.read("merged", name),
            "alpha": self.read("alpha", stem),
            "fg": self.read("fg", stem),
        }
        for g in ("trimaps", "bg"):
            if g in self._h5 and name in self._h5[g]:
                out[g.rstrip("s")] = self.read(g, name)
        return out

    def close(self) -> None:
        self._h5.close()

    def __enter__(self) -> PackReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
