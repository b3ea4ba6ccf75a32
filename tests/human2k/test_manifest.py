"""Manifest verification: every differing/missing file is named; checksum lists (both kinds)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from human2k.checksum_lists import read_checksum_list, write_checksum_list
from human2k.composite import composite_dataset
from human2k.images import write_png
from human2k.manifest import sha256_file, verify
from human2k.synthetic import write_comp1k_tree


def test_verify_names_every_bad_file_and_checksum_lists(tmp_path):
    t = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=2, bg_train=1, bg_test=2, size=(40, 30)
    )
    out = tmp_path / "o"
    m = composite_dataset(
        "comp1k", root=t.adobe_root, voc_root=t.voc_root, split="test", bg_per_fg=2, out=out
    )
    assert verify(out).ok and verify(out).checked == len(m["files"]) == 2 + 2 + 4 + 4
    # pixel list survives re-encoding at another PNG level; the file list does not
    write_checksum_list(tmp_path / "pix.txt", m, kind="pixels")
    (tmp_path / "file.txt").write_text(
        "".join(f"{r['sha256']} *{p}\n" for p, r in m["files"].items())
    )  # sha256sum -b style
    assert read_checksum_list(tmp_path / "file.txt")[0] == "file"
    a = out / "test/merged/beach-747750_1280_1.png"
    Image.open(a).save(a, compress_level=9)
    assert verify(out, checksums=tmp_path / "pix.txt").ok
    bad = verify(out, checksums=tmp_path / "file.txt")
    assert [d[0] for d in bad.differing] == ["test/merged/beach-747750_1280_1.png"]
    # one pixel changed, one file deleted: both named
    arr = np.asarray(Image.open(out / "test/alpha/boy-1518482_1920.png")).copy()
    arr[0, 0] ^= 1
    write_png(out / "test/alpha/boy-1518482_1920.png", arr)
    (out / "test/trimaps/boy-1518482_1920_0.png").unlink()
    r = verify(out)
    assert r.missing == ["test/trimaps/boy-1518482_1920_0.png"]
    assert sorted(d[0] for d in r.differing) == [
        "test/alpha/boy-1518482_1920.png",
        "test/merged/beach-747750_1280_1.png",
    ]
    r = verify(out, checksums=tmp_path / "pix.txt")
    assert [d[0] for d in r.differing] == ["test/alpha/boy-1518482_1920.png"] and r.missing == [
        "test/trimaps/boy-1518482_1920_0.png"
    ]
    assert sha256_file(out / "manifest.json")  # manifest untouched by verify
