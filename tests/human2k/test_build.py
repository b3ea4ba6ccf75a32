"""Human-2K builder: validation errors name the file; split; provenance; composite human2k reads it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from human2k.build import build_human2k
from human2k.composite import composite_dataset
from human2k.errors import InputError
from human2k.stats import dataset_stats
from human2k.synthetic import write_comp1k_tree, write_human2k_raw


@pytest.fixture()
def raw(tmp_path):
    return write_human2k_raw(tmp_path / "raw", 8, 0, size=(48, 36))


def test_build_split_provenance_and_composite(raw, tmp_path):
    out = tmp_path / "h2k"
    r = build_human2k(raw.images, raw.alphas, out, seed=3, n_test=2)
    assert len(r.train) == 6 and len(r.test) == 2 and not set(r.train) & set(r.test)
    assert (
        build_human2k(raw.images, raw.alphas, tmp_path / "again", seed=3, n_test=2).test == r.test
    )  # seeded
    prov = (out / "provenance.csv").read_text()
    assert "CC0-1.0" in prov and prov.count("\n") == 9
    assert json.loads((out / "split.json").read_text())["test"] == r.test
    st = {s.split: s.row() for s in dataset_stats(out)}
    assert st["train"]["V"] == 6 and st["test"]["H"] == 2  # from the provenance `human` column
    # composite human2k reads the build (drawn bg list, generated trimaps)
    bgs = write_comp1k_tree(
        tmp_path / "bg", n_train_fg=2, n_test_fg=2, bg_train=2, bg_test=2, size=(30, 20)
    )
    m = composite_dataset(
        "human2k",
        root=out,
        coco_root=bgs.coco_root,
        voc_root=bgs.voc_root,
        split="all",
        bg_per_fg=2,
        out=tmp_path / "c",
    )
    assert m["splits"]["test"]["composites"] == 4 and m["splits"]["train"]["composites"] == 12
    assert (
        "test/bg_names.txt" in m["files"] and len([p for p in m["files"] if "/trimaps/" in p]) == 4
    )


def test_split_list(raw, tmp_path):
    (tmp_path / "split.txt").write_text("human_0001.jpg\nhuman_0005\n")
    r = build_human2k(raw.images, raw.alphas, tmp_path / "o", split_list=tmp_path / "split.txt")
    assert r.test == ["human_0001", "human_0005"] and len(r.train) == 6
    (tmp_path / "bad.txt").write_text("nobody\n")
    with pytest.raises(InputError, match="bad.txt: names 'nobody'"):
        build_human2k(raw.images, raw.alphas, tmp_path / "o2", split_list=tmp_path / "bad.txt")


def test_validation_errors_name_the_file(raw, tmp_path):
    (raw.alphas / "human_0003.png").unlink()
    with pytest.raises(InputError, match=r"human_0003\.jpg: has no alpha matte"):
        build_human2k(raw.images, raw.alphas, tmp_path / "o")
    Image.new("L", (10, 10)).save(raw.alphas / "human_0003.png")
    with pytest.raises(
        InputError, match=r"human_0003\.png: alpha is 10x10 but image human_0003\.jpg"
    ):
        build_human2k(raw.images, raw.alphas, tmp_path / "o")
    with Image.open(raw.images / "human_0003.jpg") as im:
        Image.new("L", im.size, 0).save(raw.alphas / "human_0003.png")
    with pytest.raises(InputError, match=r"human_0003\.png: alpha is 0 everywhere"):
        build_human2k(raw.images, raw.alphas, tmp_path / "o")
    shutil.copy(raw.alphas / "human_0002.png", raw.alphas / "human_0003.png")
    shutil.copy(raw.images / "human_0002.jpg", raw.images / "human_0003.jpg")  # exact duplicate
    with pytest.raises(InputError, match=r"human_0002\.jpg: near-duplicate of .*human_0003\.jpg"):
        build_human2k(raw.images, raw.alphas, tmp_path / "o")
    assert build_human2k(raw.images, raw.alphas, tmp_path / "o", dup_distance=-1).train
    p = raw.images / "human_0004.jpg"
    p.write_bytes(p.read_bytes()[:300])
    with pytest.raises(InputError, match=r"human_0004\.jpg: cannot decode image"):
        build_human2k(raw.images, raw.alphas, tmp_path / "o2", dup_distance=-1)
    assert not (tmp_path / "o2").exists()


def test_hard_mask_warns(raw, tmp_path):
    a = np.asarray(Image.open(raw.alphas / "human_0000.png"))
    Image.fromarray(np.where(a > 127, 255, 0).astype(np.uint8)).save(raw.alphas / "human_0000.png")
    r = build_human2k(raw.images, raw.alphas, tmp_path / "o")
    assert any("human_0000.png: alpha has only 0 and 255" in w for w in r.warnings)
