"""Generated test trimaps (datasets that ship none): one seeded draw per composite, pinned.

Distinctions-646: GCA's erosion with kernels 1–29 px (``randint(1, 30)``); Human-2K: the
bbox-relative band with its width drawn per composite. The SHA-256 of every trimap's pixels
for a fixed seed on a small synthetic tree is recorded below: a change of generator, range,
seed rule or naming shows up as a different hash.
"""

from __future__ import annotations

import json

import pytest

from human2k.build import build_human2k
from human2k.composite import composite_dataset
from human2k.images import read_trimap
from human2k.manifest import pixel_sha256
from human2k.synthetic import write_comp1k_tree, write_d646_tree, write_human2k_raw
from human2k.trimap import D646_TEST_PARAMS, HUMAN2K_TEST_PARAMS

# pixel SHA-256 (human2k.manifest.pixel_sha256) of every generated test trimap
D646_HASHES = {
    "test_0_0.png": "a8ab6fdad0520b0ea4577ea56b0467abb1cd01a6dbf15c40a6f21f287a951f50",
    "test_0_1.png": "04c67b5df6af008a40232462cf84abdc7e182eb0f5b6755b4f9b318149a90a6e",
    "test_0_2.png": "1f8089316d5cea7d4f9e1d6672e58adee6c7e8b3255d204c7c26e7374bb96723",
    "test_1_0.png": "f8f771c04f40a27e0177c5f08152e6b67fc53d4e19e3cc5ea2224144e1130157",
    "test_1_1.png": "6be7287df3164fb0a9d34b80fbd843bfc15385dbeea22a3e887a4177fe94f67c",
    "test_1_2.png": "456a8fad5bbecc74887ff0a254ff5444959ce489a24243fee6c62a36a036079a",
}
HUMAN2K_HASHES = {
    "human_0000_0.png": "29e162b89ed8781d9063ac6050ab1e31b97eb8ed8a20e89f8d349897702ed06b",
    "human_0000_1.png": "29e162b89ed8781d9063ac6050ab1e31b97eb8ed8a20e89f8d349897702ed06b",
    "human_0000_2.png": "581734fdbf8ab174252853a9208b6b53d30f9cc9d3111a395aae4b08f58de5cf",
    "human_0002_0.png": "77bad60d3ce63f8abea76d54661455d9c7fe9d65141510d4d0309a14515ffa37",
    "human_0002_1.png": "f6d71a4b501c1d6e25b456c6282a34cb2b55e1c4b12f6249b40376375ac14b64",
    "human_0002_2.png": "f453315be89db1227edec5a1faffb0849f08e444c01fdf65d829a2837053c0d8",
}


def _trimaps(out):
    folder = out / "test" / "trimaps"
    return {p.name: read_trimap(p) for p in sorted(folder.iterdir())}


def _drawn(out):
    files = json.loads((out / "manifest.json").read_text())["files"]
    return {k.split("/")[-1]: v["trimap"] for k, v in files.items() if "/trimaps/" in k}


@pytest.fixture(scope="module")
def d646_out(tmp_path_factory):
    d = tmp_path_factory.mktemp("d646")
    t = write_d646_tree(d / "src", n_train_fg=1, n_test_fg=2, bg_train=1, bg_test=3, size=(96, 72))
    composite_dataset(
        "d646",
        root=t.d646_root,
        coco_root=t.coco_root,
        voc_root=t.voc_root,
        split="test",
        bg_per_fg=3,
        out=d / "out",
    )
    return d / "out"


@pytest.fixture(scope="module")
def human2k_out(tmp_path_factory):
    d = tmp_path_factory.mktemp("h2k")
    raw = write_human2k_raw(d / "raw", 4, 0, size=(320, 240))
    build_human2k(raw.images, raw.alphas, d / "h2k", seed=0, n_test=2)
    bgs = write_comp1k_tree(
        d / "bg", n_train_fg=1, n_test_fg=2, bg_train=1, bg_test=3, size=(60, 40)
    )
    composite_dataset(
        "human2k",
        root=d / "h2k",
        coco_root=bgs.coco_root,
        voc_root=bgs.voc_root,
        split="test",
        bg_per_fg=3,
        out=d / "out",
    )
    return d / "out"


def test_d646_test_trimaps_use_gcas_kernel_range_and_are_pinned(d646_out):
    assert D646_TEST_PARAMS["kernel_range"] == (1, 29)
    drawn = _drawn(d646_out)
    assert all(r["kernel_range"] == [1, 29] for r in drawn.values())
    assert all(1 <= r[k] <= 29 for r in drawn.values() for k in ("kernel_fg", "kernel_bg"))
    got = {name: pixel_sha256(t) for name, t in _trimaps(d646_out).items()}
    assert got == D646_HASHES


def test_human2k_test_trimaps_differ_per_composite_and_are_pinned(human2k_out):
    assert HUMAN2K_TEST_PARAMS["fraction"] == (0.01, 0.03)
    trimaps = _trimaps(human2k_out)
    drawn = _drawn(human2k_out)
    people = sorted({name.rsplit("_", 1)[0] for name in trimaps})
    assert len(people) == 2 and len(trimaps) == 6
    for person in people:
        mine = [n for n in trimaps if n.rsplit("_", 1)[0] == person]
        fractions = {drawn[n]["fraction"] for n in mine}
        assert len(fractions) == 3 and all(0.01 <= f <= 0.03 for f in fractions)
        kernels = [drawn[n]["kernel"] for n in mine]  # round(fraction · bbox diagonal)
        # one trimap per composite: the drawn band widths differ, so do the pixels (on tiny
        # synthetic people two widths may round to the same kernel; never all three here)
        assert len({pixel_sha256(trimaps[n]) for n in mine}) == len(set(kernels)) > 1
    got = {name: pixel_sha256(t) for name, t in trimaps.items()}
    assert got == HUMAN2K_HASHES
