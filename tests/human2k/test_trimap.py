"""Trimap presets: value set, determinism, known regions consistent with the GT, edge cases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import ndimage

from human2k.errors import InputError
from human2k.images import read_trimap, write_png
from human2k.synthetic import synth_sample
from human2k.trimap import PRESETS, derive_seed, generate_trimap
from human2k.trimap_sets import d646_test_trimaps, write_trimaps


@pytest.fixture(scope="module")
def alpha():
    return synth_sample(np.random.default_rng(11), size=(160, 120))[1]


def _disk(k: int) -> np.ndarray:
    """Reference ellipse/disk, independent of OpenCV, used only to bound band widths."""
    r = (k - 1) / 2
    y, x = np.mgrid[0:k, 0:k] - r
    return (x * x + y * y) <= (r + 0.5) ** 2


@pytest.mark.parametrize("preset", PRESETS)
def test_values_consistency_and_determinism(alpha, preset):
    tri, params = generate_trimap(alpha, preset, seed=5, return_params=True)
    assert tri.dtype == np.uint8 and tri.shape == alpha.shape
    assert set(np.unique(tri).tolist()) <= {0, 128, 255}
    assert np.all(alpha[tri == 255] == 255), "known fg must be fully opaque"
    assert np.all(alpha[tri == 0] == 0), "known bg must be fully transparent"
    assert np.all(tri[(alpha > 0) & (alpha < 255)] == 128), "every soft pixel must be unknown"
    assert np.array_equal(tri, generate_trimap(alpha, preset, seed=5))
    assert params["preset"] == preset and params["seed"] == 5
    if preset in (
        "erode",
        "bbox-relative",
    ):  # fixed kernel / fixed fraction: the seed plays no role
        assert np.array_equal(generate_trimap(alpha, preset, seed=999), tri)


@pytest.mark.parametrize("preset", ["dim", "gca"])
def test_different_seeds_differ(alpha, preset):
    tris = {generate_trimap(alpha, preset, seed=s).tobytes() for s in range(6)}
    assert len(tris) >= 3


def test_dim_band_width_follows_the_drawn_kernel(alpha):
    tri, p = generate_trimap(alpha, "dim", seed=3, return_params=True)
    assert 10 <= p["kernel"] <= 30
    soft = (alpha > 0) & (alpha < 255)
    k = p["kernel"]
    # the unknown region lies within the GT band dilated by a disk of size k (+1 px slack)
    upper = ndimage.binary_dilation(soft | _edge(alpha), structure=_disk(k + 2))
    lower = ndimage.binary_dilation(soft, structure=_disk(max(1, k - 2)))
    unknown = tri == 128
    assert np.all(unknown <= upper)
    assert np.all(lower <= unknown)


def _edge(alpha):
    fg, bg = alpha == 255, alpha == 0
    cross = ndimage.generate_binary_structure(2, 1)
    return (fg & ndimage.binary_dilation(bg, cross)) | (bg & ndimage.binary_dilation(fg, cross))


def test_gca_erodes_each_mask_with_its_own_kernel(alpha):
    tri, p = generate_trimap(alpha, "gca", seed=8, return_params=True)
    assert 1 <= p["kernel_fg"] <= 29 and 1 <= p["kernel_bg"] <= 29
    fg_ref = ndimage.binary_erosion(alpha == 255, structure=_disk(p["kernel_fg"]), border_value=1)
    # OpenCV's ellipse differs from an ideal disk by at most a pixel ring
    assert abs(int((tri == 255).sum()) - int(fg_ref.sum())) < 0.05 * fg_ref.sum() + 200


def test_hard_matte_still_gets_an_unknown_band_in_dim():
    a = np.zeros((20, 20), np.uint8)
    a[5:15, 5:15] = 255
    tri = generate_trimap(a, "dim", seed=0, size_range=(3, 3))
    assert (tri == 128).sum() > 0 and tri[9, 9] == 255 and tri[0, 0] == 0


def test_bbox_relative_scales_with_object_size():
    small = np.zeros((400, 400), np.uint8)
    small[190:210, 190:210] = 255
    big = np.zeros((400, 400), np.uint8)
    big[40:360, 40:360] = 255
    _, ps = generate_trimap(small, "bbox-relative", seed=0, fraction=0.05, return_params=True)
    _, pb = generate_trimap(big, "bbox-relative", seed=0, fraction=0.05, return_params=True)
    assert ps["kernel"] == round(0.05 * np.hypot(20, 20)) and pb["kernel"] == round(
        0.05 * np.hypot(320, 320)
    )
    _, pr = generate_trimap(big, "bbox-relative", seed=1, fraction=(0.01, 0.03), return_params=True)
    assert 0.01 <= pr["fraction"] <= 0.03


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("value", [0, 255])
def test_constant_alphas(preset, value):
    a = np.full((7, 9), value, np.uint8)
    assert np.array_equal(generate_trimap(a, preset, seed=1), a)
    one = np.full((1, 1), value, np.uint8)
    assert np.array_equal(generate_trimap(one, preset, seed=1), one)


@pytest.mark.parametrize("preset", PRESETS)
def test_single_soft_pixel(preset):
    assert generate_trimap(np.full((1, 1), 77, np.uint8), preset, seed=0).tolist() == [[128]]


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1, 12),
    st.integers(1, 12),
    st.integers(0, 2**32 - 1),
    st.sampled_from(PRESETS),
    st.data(),
)
def test_invariants_on_random_mattes(h, w, seed, preset, data):
    values = data.draw(
        st.lists(st.sampled_from([0, 0, 255, 255, 1, 128, 254]), min_size=h * w, max_size=h * w)
    )
    a = np.array(values, np.uint8).reshape(h, w)
    tri = generate_trimap(a, preset, seed=seed)
    assert set(np.unique(tri).tolist()) <= {0, 128, 255}
    assert np.all(a[tri == 255] == 255) and np.all(a[tri == 0] == 0)
    assert np.all(tri[(a > 0) & (a < 255)] == 128)


def test_bad_arguments_raise(alpha):
    with pytest.raises(InputError, match="unknown trimap preset"):
        generate_trimap(alpha, "nope", seed=0)
    with pytest.raises(InputError, match="unknown parameter"):
        generate_trimap(alpha, "gca", seed=0, kernel=3)
    with pytest.raises(InputError, match="lo <= hi"):
        generate_trimap(alpha, "dim", seed=0, size_range=(9, 3))
    with pytest.raises(InputError, match="expected uint8"):
        generate_trimap(alpha.astype(np.float32), "dim", seed=0)


def test_write_trimaps_records_and_reproduces(tmp_path, alpha):
    write_png(tmp_path / "al" / "x.png", alpha)
    write_png(tmp_path / "al" / "y.png", alpha[::-1])
    recs = write_trimaps(tmp_path / "al", tmp_path / "t", preset="dim", seed=4, per_image=3)
    assert [r["file"] for r in recs] == [f"{s}_{k}.png" for s in "xy" for k in range(3)]
    record = json.loads((tmp_path / "t" / "trimaps.json").read_text())
    assert record["preset"] == "dim" and record["seed"] == 4 and len(record["files"]) == 6
    for r in record["files"]:
        assert r["seed"] == derive_seed(4, r["file"])
        tri = read_trimap(tmp_path / "t" / r["file"])
        src = alpha if r["alpha"] == "x.png" else alpha[::-1]
        assert np.array_equal(
            tri, generate_trimap(src, "dim", seed=r["seed"], size_range=tuple(r["size_range"]))
        )
    first = (tmp_path / "t" / "x_0.png").read_bytes()
    write_trimaps(tmp_path / "al", tmp_path / "t2", preset="dim", seed=4, per_image=3)
    assert (tmp_path / "t2" / "x_0.png").read_bytes() == first


def test_d646_test_set_is_documented_and_deterministic(tmp_path, alpha):
    write_png(tmp_path / "GT" / "test_0.png", alpha)
    a = d646_test_trimaps(tmp_path / "GT", tmp_path / "a")
    b = d646_test_trimaps(tmp_path / "GT", tmp_path / "b")
    assert (
        a == b and a[0]["preset"] == "gca" and a[0]["kernel_range"] == [1, 29]
    )  # GCA's randint(1, 30)
    assert (tmp_path / "a" / "test_0.png").read_bytes() == (
        tmp_path / "b" / "test_0.png"
    ).read_bytes()


def test_cli_writes_trimaps(tmp_path, alpha):
    from benchmark.cli import cli

    write_png(tmp_path / "al" / "x.png", alpha)
    res = CliRunner().invoke(
        cli,
        [
            "trimap",
            "--alpha",
            str(tmp_path / "al"),
            "--out",
            str(tmp_path / "o"),
            "--preset",
            "gca",
            "--kernel-range",
            "3",
            "9",
            "--per-image",
            "2",
        ],
    )
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == [
        "trimaps.json",
        "x_0.png",
        "x_1.png",
    ]
    res = CliRunner().invoke(
        cli,
        [
            "trimap",
            "--alpha",
            str(tmp_path / "al"),
            "--out",
            str(tmp_path / "o"),
            "--preset",
            "gca",
            "--kernel",
            "3",
        ],
    )
    assert res.exit_code == 1 and "unknown parameter" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    res = CliRunner().invoke(cli, ["trimap", "--alpha", str(empty), "--out", str(tmp_path / "o")])
    assert res.exit_code == 1 and "no alpha images" in res.output
