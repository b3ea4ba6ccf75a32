"""Composites of a procedural tree are labelled synthetic, so they never join real tables."""

from __future__ import annotations

from benchmark.scoring.datasets import discover_dataset
from human2k.composite import composite_dataset
from human2k.synthetic import write_comp1k_tree


def _composite(tree, out):
    return composite_dataset(
        "comp1k",
        out=out,
        root=tree.adobe_root,
        coco_root=tree.coco_root,
        voc_root=tree.voc_root,
        split="test",
        bg_per_fg=2,
    )


def test_synthetic_tree_is_labelled_and_real_layout_is_not(tmp_path):
    tree = write_comp1k_tree(tmp_path / "raw", n_train_fg=1, n_test_fg=1, seed=3, size=(64, 48))
    manifest = _composite(tree, tmp_path / "synth")
    assert manifest["dataset"] == "comp1k" and manifest["dataset_label"] == "synthetic-comp1k"
    assert discover_dataset(tmp_path / "synth" / "test").name == "synthetic-comp1k"

    (tree.root / "synth_record.json").unlink()  # now it looks like a user's real Combined_Dataset
    manifest = _composite(tree, tmp_path / "real")
    assert manifest["dataset_label"] == "comp1k"
    assert discover_dataset(tmp_path / "real" / "test").name == "comp1k"


def test_rebuilding_the_same_pixels_keeps_the_dataset_identity(tmp_path):
    """Score runs key datasets on split_identity_sha256: timings, source paths and the other
    split do not change it, so a rebuilt dataset lands in the same leaderboard table."""
    import dataclasses
    import json
    import shutil

    tree = write_comp1k_tree(tmp_path / "raw", n_train_fg=1, n_test_fg=1, seed=3, size=(64, 48))
    _composite(tree, tmp_path / "a")
    shutil.copytree(tmp_path / "raw", tmp_path / "copy")  # same files, other absolute paths
    moved = {
        k: tmp_path / "copy" / getattr(tree, k).relative_to(tree.root)
        for k in ("adobe_root", "coco_root", "voc_root")
    }
    copy = dataclasses.replace(tree, **moved)
    composite_dataset(
        "comp1k",
        out=tmp_path / "b",
        root=copy.adobe_root,
        coco_root=copy.coco_root,
        voc_root=copy.voc_root,
        split="all",
        bg_per_fg=2,
    )
    a = discover_dataset(tmp_path / "a" / "test")
    b = discover_dataset(tmp_path / "b" / "test")
    assert a.manifest_sha256 == b.manifest_sha256 and len(a.manifest_sha256) == 64
    assert (tmp_path / "a" / "manifest.json").read_bytes() != (
        tmp_path / "b" / "manifest.json"
    ).read_bytes()
    # the content hash ignores where the sources were read from, too
    c = composite_dataset(
        "comp1k",
        out=tmp_path / "c",
        root=copy.adobe_root,
        coco_root=copy.coco_root,
        voc_root=copy.voc_root,
        split="test",
        bg_per_fg=2,
    )
    assert (
        c["content_sha256"]
        == json.loads((tmp_path / "a" / "manifest.json").read_text())["content_sha256"]
    )
