"""Defects 5 and 8, and the eval warnings: bad input under --workers 2 is one line naming the
file; a matte in an alpha channel is scored as such (and said); --pred = --gt warns;
--allow-missing is recorded."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from human2k.images import write_png
from tests.reliability.helpers import error_line, invoke, snapshot


def make_set(root, n=4, size=(24, 20)):
    rng = np.random.default_rng(1)
    for sub in ("pred", "gt", "tri"):
        (root / sub).mkdir(parents=True)
    for i in range(n):
        gt = rng.integers(0, 256, size[::-1]).astype(np.uint8)
        tri = np.full(size[::-1], 128, np.uint8)
        write_png(root / f"gt/im{i}.png", gt)
        write_png(root / f"tri/im{i}.png", tri)
        write_png(root / f"pred/im{i}.png", gt)
    return root


def args(root, *extra):
    return ["eval", "--pred", root / "pred", "--gt", root / "gt", "--trimap", root / "tri", *extra]


@pytest.mark.parametrize("workers", [1, 2])
def test_truncated_prediction_is_one_line_naming_it(tmp_path, workers):
    root = make_set(tmp_path)
    bad = root / "pred" / "im2.png"
    bad.write_bytes(bad.read_bytes()[:60])
    before = snapshot(tmp_path)
    res = invoke(*args(root, "--workers", workers, "--out", tmp_path / "s.csv"))
    error_line(res, f"{bad}: cannot decode image")
    assert snapshot(tmp_path) == before  # no partial CSV


def test_size_mismatch_under_two_workers_is_one_line(tmp_path):
    root = make_set(tmp_path)
    write_png(root / "pred" / "im1.png", np.zeros((5, 5), np.uint8))
    error_line(invoke(*args(root, "--workers", 2)), f"{root / 'pred' / 'im1.png'}: shapes differ")


def _save(path, array, mode):
    Image.fromarray(array, mode).save(path)


def test_matte_in_the_alpha_channel_is_scored_and_said(tmp_path):
    root = make_set(tmp_path, n=2)
    gt0 = np.asarray(Image.open(root / "gt/im0.png"))
    rgba = np.zeros((*gt0.shape, 4), np.uint8)
    rgba[..., :3] = 90  # colours unrelated to the matte
    rgba[..., 3] = gt0
    _save(root / "pred/im0.png", rgba, "RGBA")
    gt1 = np.asarray(Image.open(root / "gt/im1.png"))
    _save(root / "pred/im1.png", np.stack([np.zeros_like(gt1), gt1], -1), "LA")
    out = tmp_path / "s.csv"
    res = invoke(*args(root, "--out", out))
    assert res.exit_code == 0, res.output
    assert "2 prediction(s) have an alpha channel" in " ".join(res.output.split())
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["means"]["sad"] == 0.0 and meta["prediction_channels"] == {"alpha channel": 2}


def test_two_different_mattes_in_one_file_are_refused(tmp_path):
    root = make_set(tmp_path, n=1)
    gt = np.asarray(Image.open(root / "gt/im0.png"))
    la = np.stack([255 - gt, gt], -1)  # grey band and alpha channel disagree
    la[0, 0] = [7, 8]
    _save(root / "pred/im0.png", la, "LA")
    error_line(invoke(*args(root)), "im0.png: prediction is LA with a grey matte")


def test_pred_equal_gt_warns_and_allow_missing_is_recorded(tmp_path):
    root = make_set(tmp_path, n=3)
    res = invoke("eval", "--pred", root / "gt", "--gt", root / "gt", "--trimap", root / "tri")
    assert res.exit_code == 0 and "--pred and --gt are the same folder" in res.output
    (root / "pred" / "im2.png").unlink()
    out = tmp_path / "s.csv"
    res = invoke(*args(root, "--allow-missing", "--out", out))
    assert res.exit_code == 0 and "1 image(s) have no prediction" in " ".join(res.output.split())
    meta = json.loads(out.with_suffix(".json").read_text())
    assert meta["allow_missing_preds"] is True and meta["images_without_prediction"] == ["im2.png"]
