"""Training data: samples are pure functions of (seed, epoch, index); augmentations keep the
trimap consistent with alpha and the composite equal to fg·α + bg·(1−α); sharding partitions
every global batch."""

from __future__ import annotations

import functools
import pickle
import shutil

import numpy as np
import pytest
import torch

from benchmark.training.data import (
    MattingTrainSet,
    ShardedBatchSampler,
    find_training_data,
    seed_worker,
    worker_context,
)
from human2k.augment import (
    affine_params,
    crop_on_unknown,
    erosion_trimap,
    gca_affine_matrix,
    random_affine,
    two_fg_composite,
)
from human2k.errors import DatasetError
from human2k.images import write_png
from human2k.pack import pack_split
from human2k.synthetic import synth_background, synth_sample


def make_training_tree(root, *, n_fg: int = 3, n_bg: int = 12, size=(120, 96), seed: int = 0):
    """ROOT/train/{fg,alpha,bg}/ with synthetic portraits, like `composite --save-bg` writes."""
    rng = np.random.default_rng(seed)
    for i in range(n_fg):
        fg, alpha = synth_sample(rng, size=size)
        write_png(root / "train" / "fg" / f"p{i}.png", fg)
        write_png(root / "train" / "alpha" / f"p{i}.png", alpha)
    for i in range(n_bg):
        write_png(root / "train" / "bg" / f"b{i}.png", synth_background(rng, size=(90, 70)))
    return root


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    return make_training_tree(tmp_path_factory.mktemp("train_tree"))


@pytest.mark.parametrize("recipe", ["gca", "paper"])
def test_sample_is_pure_function_of_seed_epoch_index(tree, recipe):
    src = find_training_data(tree)
    a = MattingTrainSet(src, recipe=recipe, crop=64, seed=3)
    b = MattingTrainSet(find_training_data(tree), recipe=recipe, crop=64, seed=3)
    s1, s2 = a.sample(1, 7), b.sample(1, 7)
    for key in ("image", "trimap", "alpha", "fg", "bg"):
        np.testing.assert_array_equal(s1[key], s2[key])
    assert not np.array_equal(a.sample(2, 7)["image"], s1["image"])  # epoch changes the draw
    assert not np.array_equal(
        MattingTrainSet(src, recipe=recipe, crop=64, seed=4).sample(1, 7)["image"], s1["image"]
    )


@pytest.mark.parametrize("recipe", ["gca", "paper"])
def test_samples_are_consistent(tree, recipe):
    ds = MattingTrainSet(find_training_data(tree), recipe=recipe, crop=64, seed=0)
    n_unknown = 0
    for i in range(12):
        s = ds.sample(1, i)
        t, a = s["trimap"], s["alpha"]
        assert s["image"].shape == (64, 64, 3) and t.shape == a.shape == (64, 64)
        assert set(np.unique(t)) <= {0, 128, 255}
        # known trimap pixels agree with alpha (GCA's masks: α ≥ 1−1e-5 and α ≤ 1e-5)
        assert np.all(a[t == 255] >= 1 - 1e-5) and np.all(a[t == 0] <= 1e-5)
        # the image is the composite of the returned fg and bg (each rounded once: ≤ 1 level off)
        recomposed = s["fg"] * a[..., None] + s["bg"] * (1 - a[..., None])
        assert np.abs(recomposed - s["image"]).max() <= 1.0
        n_unknown += int((t == 128).any())
    assert n_unknown == 12  # crops are placed on the unknown band


def test_crop_is_centred_on_unknown_pixel():
    t = np.zeros((200, 240), np.uint8)
    t[96:104, :] = 128  # a horizontal unknown band, well inside the margins
    arrays = {
        "trimap": t,
        "alpha": t / 255.0,
        "fg": np.zeros((200, 240, 3), np.float32),
        "bg": np.zeros((50, 50, 3), np.uint8),
    }
    for seed in range(5):
        out = crop_on_unknown(arrays, np.random.default_rng(seed), 64)
        assert out["trimap"][32, 32] == 128


def test_small_sample_is_upscaled_before_cropping():
    t = np.full((40, 50), 128, np.uint8)
    arrays = {
        "trimap": t,
        "alpha": np.full((40, 50), 0.5),
        "fg": np.zeros((40, 50, 3), np.float32),
        "bg": np.zeros((9, 9, 3), np.uint8),
    }
    out = crop_on_unknown(arrays, np.random.default_rng(0), 64)
    assert {k: v.shape[:2] for k, v in out.items()} == {k: (64, 64) for k in arrays}


def test_erosion_trimap_matches_masks():
    a = np.zeros((60, 60), np.float32)
    a[15:45, 15:45] = 1.0
    a[15:45, 12:15] = 0.5
    a[30, 30] = 0.99999  # GCA counts α ≥ 1−1e-5 as foreground
    t = erosion_trimap(a, np.random.default_rng(0), kernel_range=(1, 1))  # k=1: no erosion
    assert t[30, 30] == 255 and t[20, 13] == 128 and t[0, 0] == 0
    wide = erosion_trimap(a, np.random.default_rng(0), kernel_range=(9, 9))
    assert wide[17, 20] == 128 and wide[30, 30] == 255 and (wide == 128).sum() > (t == 128).sum()


def test_two_fg_composite_and_affine_flip():
    fg1, a1 = np.full((4, 4, 3), 100.0, np.float32), np.full((4, 4), 0.25, np.float32)
    fg2, a2 = np.full((4, 4, 3), 20.0, np.float32), np.full((4, 4), 0.5, np.float32)
    fg, a = two_fg_composite(fg1, a1, fg2, a2)
    np.testing.assert_allclose(a, 1 - 0.75 * 0.5)
    np.testing.assert_allclose(fg, 100 * 0.25 + 20 * 0.75)
    opaque = np.ones((4, 4), np.float32)
    assert two_fg_composite(fg1, opaque, fg2, a2)[0] is fg1  # union fully opaque: unchanged
    img = np.random.default_rng(0).random((6, 5)).astype(np.float32)
    # GCA's flip maps x -> W + 1 - x (its centre is 0.5·W + 0.5): shifted, two zero columns/rows
    _, rot, _ = random_affine(
        img[..., None].repeat(3, 2),
        img,
        np.random.default_rng(0),
        degrees=0,
        scale=(1, 1),
        shear=0,
        flip=(1, 1),
        anisotropic=True,
    )
    np.testing.assert_array_equal(rot[2:, 2:], img[::-1, ::-1][:-2, :-2])
    assert not rot[:2].any() and not rot[:, :2].any()


@pytest.mark.parametrize("seed", range(4))
def test_affine_matrix_is_gcas(seed):
    """The matrix inverts GCA's forward map F = [[cos(a+s), -sin(a+s)], [sin(a), cos(a)]] ·
    diag(sx·fx, sy·fy) about (0.5·W + 0.5, 0.5·H + 0.5) (data_generator.py's comment), derived
    here independently of the implementation's closed form."""
    p = affine_params(
        np.random.default_rng(seed),
        (2000, 1500),
        degrees=30,
        scale=(0.8, 1.25),
        shear=10,
        flip=(0.5, 0.5),
        anisotropic=True,
    )
    a, s = np.radians(p["angle"]), np.radians(p["shear"])
    fwd = np.array([[np.cos(a + s), -np.sin(a + s)], [np.sin(a), np.cos(a)]]) @ np.diag(
        [p["scale_x"] * p["flip_x"], p["scale_y"] * p["flip_y"]]
    )
    c = np.array([1500 * 0.5 + 0.5, 2000 * 0.5 + 0.5])
    m = gca_affine_matrix(p, (2000, 1500))
    np.testing.assert_allclose(m[:, :2], np.linalg.inv(fwd), atol=1e-12)
    np.testing.assert_allclose(m[:, 2], c - np.linalg.inv(fwd) @ c, atol=1e-9)
    assert p["angle"] != 0  # larger side >= 1024: rotation drawn (GCA's rule)
    small = affine_params(
        np.random.default_rng(seed),
        (512, 512),
        degrees=30,
        scale=(0.8, 1.25),
        shear=10,
        flip=(0.5, 0.5),
        anisotropic=True,
        rotate_min_side=1024,
    )
    assert small["angle"] == 0


def test_gca_pairing_uses_each_background_once_per_epoch(tree):
    src = find_training_data(tree)
    ds = MattingTrainSet(src, recipe="gca", crop=64, seed=0)
    assert ds.pairing == "gca" and len(ds) == len(src.bg) == 12
    assert ds.describe()["rule"].startswith("gca: sample i = fg[i mod #fg] over bg[i]")
    with pytest.raises(IndexError):
        ds.sample(1, 12)
    paper = MattingTrainSet(src, recipe="paper", crop=64, seed=0)
    assert paper.pairing == "random" and len(paper) == 3 * 100  # no manifest: 1:100
    assert MattingTrainSet(src, recipe="paper", crop=64, bg_per_fg=7).samples_per_epoch == 21


def test_bg_per_fg_follows_the_training_set(tree, tmp_path):
    shutil.copytree(tree, tmp_path / "d646")
    (tmp_path / "d646" / "manifest.json").write_text('{"dataset": "d646"}')
    src = find_training_data(tmp_path / "d646")
    assert src.dataset == "d646"
    ds = MattingTrainSet(src, recipe="paper", crop=64)
    assert ds.bg_per_fg == 80 and len(ds) == 3 * 80 and ds.bg_per_fg_source == "dataset:d646"
    assert MattingTrainSet(src, recipe="paper", crop=64, bg_per_fg=100).samples_per_epoch == 300


def test_paper_recipe_crops_before_the_transform(tree):
    """The window is cut first and the affine applied to it: zero-filled (background) corners of
    a rotated window show up inside the sample, trimap and alpha agreeing there."""
    ds = MattingTrainSet(find_training_data(tree), recipe="paper", crop=64, seed=0)
    corners = 0
    for i in range(8):
        s = ds.sample(1, i)
        assert s["params"]["window"] in (64, 80, 120)
        assert -60 <= s["params"]["angle"] <= 60 and s["params"]["flip_y"] == 1
        assert s["params"]["scale_x"] == s["params"]["scale_y"]
        filled = np.all(s["fg"] == 0, axis=2) & (s["alpha"] == 0)
        assert np.all(s["trimap"][filled] == 0)
        corners += int(filled[0, 0] or filled[0, -1] or filled[-1, 0] or filled[-1, -1])
    assert corners > 0


def test_layouts_and_errors(tmp_path, tree):
    src = find_training_data(tree)
    assert (src.root, src.bg_source, len(src.fg), len(src.bg)) == (
        tree / "train",
        "composite",
        3,
        12,
    )
    assert find_training_data(tree / "train", bg_dir=tree / "train" / "bg").bg_source == "bg-dir"
    make_training_tree(tmp_path / "nobg", n_fg=1, n_bg=0)
    nobg = find_training_data(tmp_path / "nobg")
    assert nobg.bg_source == "synthetic"
    s = MattingTrainSet(nobg, crop=64).sample(1, 0)  # procedural backgrounds still compose
    assert s["image"].shape == (64, 64, 3)
    write_png(
        tmp_path / "nobg" / "train" / "fg_extended" / "p0.png", np.zeros((96, 120, 3), np.uint8)
    )
    assert find_training_data(tmp_path / "nobg").fg_source == "fg_extended"  # estimated colours win
    (tmp_path / "nobg" / "train" / "alpha" / "p0.png").unlink()
    with pytest.raises(DatasetError, match="no alpha for 1 foreground.*p0.png"):
        find_training_data(tmp_path / "nobg")
    with pytest.raises(DatasetError, match="no fg/ and alpha/"):
        find_training_data(tmp_path)


def test_hdf5_pack_gives_the_same_samples(tree, tmp_path):
    split = tmp_path / "train"
    shutil.copytree(tree / "train", split)
    write_png(
        split / "merged" / "p0_0.png", np.zeros((96, 120, 3), np.uint8)
    )  # pack_split needs merged/
    pack_split(split, tmp_path / "train.h5")
    shutil.rmtree(split)
    packed = find_training_data(tmp_path)  # finds train.h5
    assert (packed.fg_source, packed.bg_source, len(packed.fg), len(packed.bg)) == (
        "pack",
        "composite",
        3,
        12,
    )
    a = MattingTrainSet(packed, crop=64, seed=1)
    b = MattingTrainSet(find_training_data(tree), crop=64, seed=1)
    for i in (0, 4):
        np.testing.assert_array_equal(a.sample(2, i)["image"], b.sample(2, i)["image"])
    assert pickle.loads(pickle.dumps(a)).sample(2, 0)["trimap"].shape == (
        64,
        64,
    )  # no handle pickled


def test_sharding_partitions_global_batches():
    one = ShardedBatchSampler(20, batch_size=4, world_size=1, rank=0, seed=1, epoch=3)
    shards = [
        list(ShardedBatchSampler(20, batch_size=2, world_size=2, rank=r, seed=1, epoch=3))
        for r in (0, 1)
    ]
    assert len(one) == len(shards[0]) == 5
    for k, batch in enumerate(one):
        assert [i for _, i in batch] == [i for _, i in shards[0][k]] + [i for _, i in shards[1][k]]
    seen = sorted(i for b in one for _, i in b)
    assert seen == list(range(20))  # every sample exactly once per epoch
    drop = ShardedBatchSampler(10, batch_size=3, seed=1, epoch=1)
    assert drop.steps == 3 and len(list(drop)) == 3  # the incomplete last batch is dropped
    assert len(ShardedBatchSampler(10, batch_size=3, seed=1, epoch=1, start_step=2)) == 1
    assert one.global_batch(0) != ShardedBatchSampler(
        20, batch_size=4, seed=1, epoch=4
    ).global_batch(0)


def test_workers_do_not_change_samples(tree):
    ds = MattingTrainSet(find_training_data(tree), crop=64, seed=0, samples_per_epoch=4)
    batches = {}
    for workers in (0, 2):
        loader = torch.utils.data.DataLoader(
            ds,
            batch_sampler=ShardedBatchSampler(4, batch_size=2, seed=0, epoch=1),
            num_workers=workers,
            worker_init_fn=functools.partial(seed_worker, seed=0, epoch=1) if workers else None,
            multiprocessing_context=worker_context() if workers else None,
        )
        batches[workers] = [b["image"] for b in loader]
    for x, y in zip(batches[0], batches[2], strict=True):
        assert torch.equal(x, y)
