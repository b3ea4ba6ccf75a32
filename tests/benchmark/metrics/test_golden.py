"""Golden values of the DIM MATLAB metrics (metrics_reference.md §5-§6).

The 32×32 vector is mmagic's unit-test case (tests/test_evaluation/test_metrics); the official
MATLAB/Octave values on it are SAD 0.256, MSE 1.0, Grad 0.0028887 (Octave 0.00288875), Conn 0.256.
The 153, tie and empty-overlap cases are constructed so that the MATLAB rule and the common port
mistakes give different numbers; the expected values are derived by hand in each docstring.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.metrics import MattingMetrics, conn, grad, mse, sad
from benchmark.metrics.reference import ref_all


def mmagic_vector():
    gt = np.full((32, 32), 255, np.uint8)
    trimap = np.zeros((32, 32), np.uint8)
    trimap[:16, :16] = 128
    trimap[16:, 16:] = 255
    pred = np.where(trimap == 255, 255, 0).astype(np.uint8)
    return pred, gt, trimap


GOLDEN = {"sad": 0.256, "mse": 1.0, "grad": 0.00288875, "conn": 0.256}  # Grad: Octave value


@pytest.mark.parametrize("name,fn", [("sad", sad), ("mse", mse), ("grad", grad), ("conn", conn)])
def test_mmagic_vector_matches_matlab(name, fn):
    value = fn(*mmagic_vector())
    assert value == pytest.approx(GOLDEN[name], rel=1e-5)


def test_accumulator_and_reference_agree_on_golden_vector():
    m = MattingMetrics()
    m.update(*mmagic_vector(), name="vec")
    m.update(*mmagic_vector(), name="vec2")
    means = m.compute()
    ref = ref_all(*mmagic_vector())
    for key, golden in GOLDEN.items():
        assert means[key] == pytest.approx(golden, rel=1e-5)
        assert ref[key] == pytest.approx(golden, rel=1e-5)
    assert [r["image"] for r in m.records] == ["vec", "vec2"]


def test_conn_value_153_passes_threshold_06_like_single_precision():
    """gt = 255, pred = 153 (α = 0.6 exactly in decimal) on a 4×4 all-unknown trimap.

    MATLAB (single): 153/255 → 0.60000002 ≥ 0.6, so I_1..I_6 = all, I_7 = ∅ → l = 0.6.
    φ_p = 1 (d = 0), φ_g = 1 − 0.4 → Σ = 16·0.4 = 6.4 → Conn = 0.0064.
    A float64 port (153/255 = 0.59999999 < 0.6000000000000001) gives l = 0.5 → 16·0.5 → 0.008.
    """
    pred = np.full((4, 4), 153, np.uint8)
    gt = np.full((4, 4), 255, np.uint8)
    trimap = np.full((4, 4), 128, np.uint8)
    f32 = np.float32
    phi_g = f32(1) - (f32(1) - f32(0.6))  # d_g = 1 - l with l = 0.6
    expected = 16 * float(f32(1) - phi_g) / 1000  # phi_p = 1 (d_p = 0.6 - 0.6 = 0)
    assert conn(pred, gt, trimap) == pytest.approx(0.0064, rel=1e-6)
    assert conn(pred, gt, trimap) == pytest.approx(expected, rel=1e-6)
    assert conn(pred, gt, trimap) != pytest.approx(0.008, rel=1e-3)


def tie_case():
    """Two equal 10×10 components; the one at the top right comes first row-major, the one at
    the bottom left first column-major. One pixel of the top-right block differs (230 vs 255)."""
    pred = np.zeros((20, 30), np.uint8)
    pred[10:20, 0:10] = 255  # bottom-left block: first in column-major order
    pred[0:10, 15:25] = 255  # top-right block: first in row-major order
    gt = pred.copy()
    pred[3, 18] = 230
    trimap = np.full(pred.shape, 128, np.uint8)
    return pred, gt, trimap


def test_conn_tie_goes_to_first_component_in_column_major_order():
    """Ω = bottom-left block at every level, so the top-right block gets l = 0 and the differing
    pixel contributes |(1 − 230/255) − (1 − 1)| = 0.0980392 → Conn = 9.80392e-5 (Octave: 9.80e-5).
    Row-major tie-breaking (mmagic, IndexNet-py) gives 0."""
    expected = float(np.float32(1) - np.float32(230) / np.float32(255)) / 1000
    assert conn(*tie_case()) == pytest.approx(expected, rel=1e-6)
    assert conn(*tie_case()) == pytest.approx(9.80392e-5, rel=1e-5)


def test_conn_empty_overlap_uses_gca_rule():
    """3×3 all unknown. Ring: pred 250 (level 9), gt 190 (level 7); centre: pred 100 (3), gt 190.

    Levels 1-3: all one component. Levels 4-7: the ring (8 px, 4-connected) → centre gets l = 0.3.
    Level 8: empty overlap → Ω = ∅ → ring gets l = 0.7 (GCA copy; IndexNet's `continue` would
    leave l = 1 and give 0 for the ring).
    Ring: φ_p = 1 − (250/255 − 0.7), φ_g = 1 (d = 0.045 < 0.15). Centre: φ_p = 1, φ_g = 1 − (190/255 − 0.3).
    """
    pred = np.full((3, 3), 250, np.uint8)
    pred[1, 1] = 100
    gt = np.full((3, 3), 190, np.uint8)
    trimap = np.full((3, 3), 128, np.uint8)
    f32 = np.float32
    ring = float(f32(250) / f32(255) - f32(0.7))
    centre = float(f32(190) / f32(255) - f32(0.3))
    expected = (8 * ring + centre) / 1000
    assert conn(pred, gt, trimap) == pytest.approx(expected, rel=1e-6)
    assert ref_all(pred, gt, trimap)["conn"] == pytest.approx(expected, rel=1e-6)


def test_mse_is_nan_without_unknown_pixels_and_flagged():
    pred, gt, _ = mmagic_vector()
    trimap = np.zeros_like(gt)
    assert math.isnan(mse(pred, gt, trimap))
    assert sad(pred, gt, trimap) == 0.0 and grad(pred, gt, trimap) == 0.0
    m = MattingMetrics()
    m.update(pred, gt, trimap, name="empty")
    m.update(*mmagic_vector(), name="vec")
    assert m.n_undefined_mse == 1
    assert m.counts()["mse"] == 1 and m.counts()["sad"] == 2
    assert m.compute()["mse"] == pytest.approx(1.0)


def test_whole_region_scores_every_pixel():
    pred, gt, trimap = mmagic_vector()
    # whole image: 768 pixels at 0 vs GT 255 (the top-left quadrant plus the two known-0 blocks)
    assert sad(pred, gt, trimap, region="whole") == pytest.approx(0.768)
    assert mse(pred, gt, trimap, region="whole") == pytest.approx(0.75)


def test_grad_uses_mat2gray_per_image():
    """Stretching matters when the GT never reaches 255: Grad of (gt, gt) is 0, and of a
    prediction that equals the GT up to an affine map of levels is 0 too."""
    rng = np.random.default_rng(0)
    gt = (rng.random((24, 24)) * 100 + 50).astype(np.uint8)
    pred = ((gt.astype(np.int32) - 50) * 2).astype(np.uint8)  # affine: stretched away by mat2gray
    trimap = np.full(gt.shape, 128, np.uint8)
    assert grad(gt, gt, trimap) == 0.0
    assert grad(pred, gt, trimap) == pytest.approx(0.0, abs=1e-9)
    assert ref_all(pred, gt, trimap)["grad"] == pytest.approx(0.0, abs=1e-9)
