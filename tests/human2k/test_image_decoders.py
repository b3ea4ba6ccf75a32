"""The fast 8-bit grey PNG path of human2k.images gives exactly Pillow's pixels, and every other
kind of file still goes through Pillow with the behaviour it had."""

from __future__ import annotations

import io
import struct
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image

from human2k import images
from human2k.errors import InputError
from human2k.images import is_plain_grey8_png, read_alpha, read_grey8_png, read_trimap

pytest.importorskip("pyspng")


def _pil_pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        im.load()
        return np.array(im)


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _with_chunks(png: bytes, *extra: bytes) -> bytes:
    """PNG bytes with EXTRA chunks inserted right after IHDR (8 + 25 bytes)."""
    return png[:33] + b"".join(extra) + png[33:]


def _grey(shape, seed=0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


@pytest.mark.parametrize("shape", [(1, 1), (3, 7), (31, 17), (64, 129)])
@pytest.mark.parametrize("writer", ["pil0", "pil6", "pil9", "cv2"])
def test_grey8_identical_to_pillow(tmp_path, shape, writer):
    arr = _grey(shape, seed=sum(shape))
    arr[: shape[0] // 2] = 128  # long runs as well as noise: every PNG row filter gets used
    path = tmp_path / "a.png"
    if writer == "cv2":
        assert cv2.imwrite(str(path), arr)
    else:
        Image.fromarray(arr).save(path, compress_level=int(writer[3:]))
    fast = read_grey8_png(path)
    assert fast is not None and fast.dtype == np.uint8 and fast.shape == shape
    np.testing.assert_array_equal(fast, _pil_pixels(path))
    np.testing.assert_array_equal(read_alpha(path), arr)


def test_grey8_with_gamma_transparency_and_text_chunks(tmp_path):
    """Ancillary chunks change nothing: neither decoder applies gamma or transparency."""
    arr = _grey((9, 11), seed=3)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    png = _with_chunks(
        buf.getvalue(),
        _chunk(b"gAMA", struct.pack(">I", 45455)),
        _chunk(b"tRNS", struct.pack(">H", 7)),
        _chunk(b"tEXt", b"Comment\x00made by a test"),
    )
    path = tmp_path / "g.png"
    path.write_bytes(png)
    with Image.open(path) as im:
        assert im.mode == "L" and "transparency" in im.info
    np.testing.assert_array_equal(read_grey8_png(path), _pil_pixels(path))
    np.testing.assert_array_equal(read_alpha(path), arr)


def test_trimap_through_the_fast_path_keeps_checks(tmp_path):
    good = np.array([[0, 128, 255]], np.uint8)
    Image.fromarray(good).save(tmp_path / "t.png")
    assert read_grey8_png(tmp_path / "t.png") is not None
    assert read_trimap(tmp_path / "t.png").tolist() == [[0, 128, 255]]
    Image.fromarray(np.array([[0, 7]], np.uint8)).save(tmp_path / "bad.png")
    with pytest.raises(InputError, match=r"bad\.png: trimap has values outside"):
        read_trimap(tmp_path / "bad.png")


def test_other_modes_are_left_to_pillow(tmp_path, monkeypatch):
    """16-bit, palette, RGB, RGBA, LA, 1-bit: not decoded by the fast path; same results as the
    Pillow-only reader (read with the fast path switched off)."""
    base = _grey((6, 5), seed=1)
    files = {}
    Image.fromarray(base.astype(np.uint16) * 3).save(tmp_path / "i16.png")
    files["i16"] = tmp_path / "i16.png"
    Image.fromarray(base).convert("P").save(tmp_path / "p.png")
    files["p"] = tmp_path / "p.png"
    Image.fromarray(np.dstack([base] * 3)).save(tmp_path / "rgb.png")
    files["rgb"] = tmp_path / "rgb.png"
    Image.fromarray(np.dstack([base] * 4)).save(tmp_path / "rgba.png")
    files["rgba"] = tmp_path / "rgba.png"
    Image.fromarray(np.dstack([base] * 4)).convert("LA").save(tmp_path / "la.png")
    files["la"] = tmp_path / "la.png"
    Image.fromarray(base > 100).save(tmp_path / "one.png")
    files["one"] = tmp_path / "one.png"
    fast_results = {}
    for name, path in files.items():
        assert read_grey8_png(path) is None, name
        assert not is_plain_grey8_png(path.read_bytes()[:29]), name
        fast_results[name] = _outcome(path)
    monkeypatch.setattr(images, "read_grey8_png", lambda path: None)  # Pillow only
    for name, path in files.items():
        before = _outcome(path)
        assert type(before) is type(fast_results[name]), name
        if isinstance(before, np.ndarray):
            np.testing.assert_array_equal(before, fast_results[name])
        else:
            assert before == fast_results[name], name
    assert fast_results["la"].tolist() == base.tolist()  # LA keeps its first band
    assert fast_results["one"].max() == 255  # 1-bit as 0/255
    assert "16-bit" in fast_results["i16"]  # values above 255 are refused


def _outcome(path):
    try:
        return read_alpha(path)
    except InputError as exc:
        return str(exc)


def test_interlaced_and_broken_files_fall_back(tmp_path):
    arr = _grey((8, 8))
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG")
    head = bytearray(buf.getvalue()[:29])
    head[28] = 1  # Adam7
    assert not is_plain_grey8_png(bytes(head))
    data = buf.getvalue()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert read_grey8_png(tmp_path / "cut.png") is None
    with pytest.raises(InputError, match=r"cut\.png: cannot decode image"):
        read_alpha(tmp_path / "cut.png")
    assert read_grey8_png(tmp_path / "missing.png") is None
