"""HDF5 pack: same pixels as the PNGs, any compression, recorded in the manifest."""

from __future__ import annotations

import numpy as np
from PIL import Image

from human2k.composite import composite_dataset
from human2k.manifest import sha256_file
from human2k.pack import PackReader, pack_split
from human2k.synthetic import write_comp1k_tree


def test_hdf5_pack_roundtrip_and_determinism(tmp_path):
    t = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=2, bg_train=1, bg_test=2, size=(100, 80)
    )
    m = composite_dataset(
        "comp1k",
        root=t.adobe_root,
        voc_root=t.voc_root,
        split="test",
        bg_per_fg=2,
        fmt="hdf5",
        save_bg=True,
        out=tmp_path / "o",
    )
    h5 = tmp_path / "o/test.h5"
    assert m["run"]["packs"]["test.h5"]["sha256"] == sha256_file(h5)
    with PackReader(h5) as r:
        assert len(r) == 4
        for i, name in enumerate(r.names):
            s = r.sample(i)
            assert np.array_equal(
                s["merged"], np.asarray(Image.open(tmp_path / f"o/test/merged/{name}.png"))
            )
            assert np.array_equal(
                s["trimap"], np.asarray(Image.open(tmp_path / f"o/test/trimaps/{name}.png"))
            )
            assert np.array_equal(
                s["bg"], np.asarray(Image.open(tmp_path / f"o/test/bg/{name}.png"))
            )
            assert np.array_equal(
                s["alpha"],
                np.asarray(Image.open(tmp_path / f"o/test/alpha/{name.rsplit('_', 1)[0]}.png")),
            )
            assert s["fg"].shape == s["merged"].shape
    counts = pack_split(tmp_path / "o/test", tmp_path / "again.h5", compression="gzip")
    assert counts == {"fg": 2, "alpha": 2, "merged": 4, "bg": 4, "trimaps": 4}
    with PackReader(tmp_path / "again.h5") as a, PackReader(h5) as b:
        assert a.names == b.names
        assert all(
            np.array_equal(a.sample(i)["merged"], b.sample(i)["merged"]) for i in range(len(a))
        )
