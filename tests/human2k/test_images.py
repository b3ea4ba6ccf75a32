"""human2k.images: readers and atomic writers."""

from __future__ import annotations

import os
import stat

import numpy as np
import pytest

from human2k.errors import InputError
from human2k.images import atomic_write_bytes, read_alpha, read_trimap, write_png


def test_atomic_writes_get_the_usual_file_mode(tmp_path):
    """mkstemp makes 0600 files; outputs must be readable like any file the user writes."""
    mask = os.umask(0o022)
    os.umask(mask)
    atomic_write_bytes(tmp_path / "a.txt", b"x")
    write_png(tmp_path / "a.png", np.zeros((2, 2), np.uint8))
    for name in ("a.txt", "a.png"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o666 & ~mask
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left


def test_truncated_and_missing_files_are_named(tmp_path):
    write_png(tmp_path / "t.png", np.full((8, 8), 128, np.uint8))
    data = (tmp_path / "t.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match=r"cut\.png: cannot decode image"):
        read_trimap(tmp_path / "cut.png")
    with pytest.raises(InputError, match=r"nope\.png: file not found"):
        read_alpha(tmp_path / "nope.png")


def test_trimap_values_checked_and_quantized(tmp_path):
    write_png(tmp_path / "t.png", np.array([[0, 7, 128, 255]], np.uint8))
    with pytest.raises(InputError, match=r"t\.png: trimap has values outside \{0, 128, 255\}: 7"):
        read_trimap(tmp_path / "t.png")
    with pytest.warns(UserWarning, match="quantized"):
        assert read_trimap(tmp_path / "t.png", quantize=True).tolist() == [[0, 0, 128, 255]]
