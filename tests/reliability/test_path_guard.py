"""Defect 1 and the path guard: a name from a list, manifest, checksum file or CLI never leaves
its root (absolute names, '..', NUL bytes, links pointing out)."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

from human2k.composite import check_dataset, plan_composite
from human2k.errors import OverlapError, UnsafePathError
from human2k.images import write_png
from human2k.manifest import verify
from human2k.paths import check_not_overlapping, resolve_inside, safe_component
from human2k.synthetic import write_comp1k_tree
from tests.reliability.helpers import error_line, invoke, snapshot


@pytest.mark.parametrize(
    "name, problem",
    [
        ("../x.png", "has a '..' component"),
        ("a/../../x.png", "has a '..' component"),
        ("..\\x.png", "has a '..' component"),
        ("/etc/passwd", "is absolute"),
        ("C:\\x.png", "is absolute"),
        ("a\x00.png", "contains a NUL byte"),
        ("", "is empty"),
    ],
)
def test_guard_refuses_names_that_leave_the_root(tmp_path, name, problem):
    with pytest.raises(UnsafePathError, match=rf"^list.txt: line 7: name .* {problem}"):
        resolve_inside(tmp_path, name, source=("list.txt", 7))


def test_guard_follows_links(tmp_path):
    (tmp_path / "root").mkdir()
    (tmp_path / "secret.png").write_bytes(b"x")
    os.symlink(tmp_path / "secret.png", tmp_path / "root" / "in.png")
    os.symlink(tmp_path, tmp_path / "root" / "up")
    for name in ("in.png", "up/secret.png"):
        with pytest.raises(UnsafePathError, match="leads outside .* through a link"):
            resolve_inside(tmp_path / "root", name, source=("m.json", None))
    (tmp_path / "root" / "ok.png").write_bytes(b"y")
    assert resolve_inside(tmp_path / "root", "ok.png") == tmp_path / "root" / "ok.png"


def test_single_component_and_overlap_rules(tmp_path):
    assert safe_component("comp1k") == "comp1k"
    for bad in ("../x", "a/b", "..", ".", "x\x00"):
        with pytest.raises(UnsafePathError):
            safe_component(bad)
    d = tmp_path
    check_not_overlapping(d / "out", {"the input": d / "in"})
    for out, word in ((d / "in", "is"), (d / "in" / "x", "lies inside"), (d, "contains")):
        with pytest.raises(OverlapError, match=f"{word} the input"):
            check_not_overlapping(out, {"the input": d / "in"})


@pytest.fixture()
def escaping_tree(tmp_path):
    """Defect 1: a training list line climbs out of the dataset to a victim image."""
    tree = write_comp1k_tree(
        tmp_path / "a" / "b" / "c" / "src",
        n_train_fg=1,
        n_test_fg=1,
        bg_train=1,
        bg_test=1,
        size=(40, 30),
    )
    victim = tmp_path / "victim"
    victim.mkdir()
    write_png(victim / "important.png", np.full((30, 40, 3), 7, np.uint8))
    fg_dir = tree.adobe_root / "Training_set" / "Adobe-licensed images" / "fg"
    names = tree.adobe_root / "Training_set" / "training_fg_names.txt"
    names.write_text("\n" + os.path.relpath(victim / "important.png", fg_dir) + "\n")
    return tree, names


def test_composite_refuses_a_listed_name_that_leaves_the_dataset(tmp_path, escaping_tree):
    tree, names = escaping_tree
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    res = invoke(
        "composite",
        "comp1k",
        "--adobe-root",
        tree.adobe_root,
        "--coco-root",
        tree.coco_root,
        "--voc-root",
        tree.voc_root,
        "--split",
        "train",
        "--bg-per-fg",
        1,
        "--out",
        out,
    )
    error_line(res, f"{names}: line 2: name '../", "has a '..' component")
    assert snapshot(tmp_path) == before and not out.exists()


def test_datasets_check_rejects_the_list(escaping_tree):
    tree, names = escaping_tree
    report = check_dataset(
        "comp1k",
        root=tree.adobe_root,
        coco_root=tree.coco_root,
        voc_root=tree.voc_root,
        split="train",
        bg_per_fg=1,
    )
    assert not report.ok and f"{names}: line 2" in report.missing[0]
    res = invoke(
        "datasets",
        "check",
        "comp1k",
        "--root",
        tree.adobe_root,
        "--coco-root",
        tree.coco_root,
        "--voc-root",
        tree.voc_root,
        "--split",
        "train",
        "--bg-per-fg",
        1,
    )
    assert res.exit_code == 1 and "line 2" in res.output


def test_a_listed_file_linked_outside_is_refused(tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=1, size=(40, 30)
    )
    fg = tree.adobe_root / "Test_set" / "Adobe-licensed images" / "fg" / tree.test_fg_names[0]
    outside = tmp_path / "elsewhere.png"
    fg.rename(outside)
    os.symlink(outside, fg)
    with pytest.raises(UnsafePathError, match="test_fg_names.txt: line 1: .* through a link"):
        plan_composite("comp1k", root=tree.adobe_root, voc_root=tree.voc_root, bg_per_fg=1)


def test_verify_refuses_recorded_paths_outside_the_root(tmp_path):
    root = tmp_path / "ds"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("s")
    manifest = {"format": "mattebench-manifest-1", "files": {"../secret.txt": {"sha256": "0" * 64}}}
    (root / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(UnsafePathError, match="manifest.json: .*'../secret.txt'"):
        verify(root)
    sums = tmp_path / "sums.txt"
    sums.write_text("0" * 64 + "  /etc/hostname\n")
    res = invoke("datasets", "verify", root, "--checksums", sums)
    error_line(res, f"{sums}: line 1: ", "is absolute")


def test_verify_names_stray_files(tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=2, size=(40, 30)
    )
    out = tmp_path / "out"
    assert (
        invoke(
            "composite",
            "comp1k",
            "--adobe-root",
            tree.adobe_root,
            "--voc-root",
            tree.voc_root,
            "--bg-per-fg",
            2,
            "--out",
            out,
            "--workers",
            1,
        ).exit_code
        == 0
    )
    assert verify(out).ok
    write_png(out / "test" / "merged" / "intruder_0.png", np.zeros((3, 3, 3), np.uint8))
    report = verify(out)
    assert not report.ok and report.stray == ["test/merged/intruder_0.png"]
    res = invoke("datasets", "verify", out)
    assert res.exit_code == 1 and "stray    test/merged/intruder_0.png" in res.output


def test_a_journal_recording_names_outside_the_output_is_refused(tmp_path):
    from human2k.journal import Journal, read_journal
    from human2k.shards import Shard

    plain = Journal.open(tmp_path / "a", {"dataset": "comp1k", "parameters": {}})
    plain.append("test/000000/a.png", {"../../x.png": {"bytes": 1}}, 0.1)
    with pytest.raises(UnsafePathError, match=r"recorded name '\.\./\.\./x\.png' has a '\.\.'"):
        read_journal(plain.path)
    header = {"dataset": "comp1k", "parameters": {}, "skeleton": {"splits": {"../t": {}}}}
    shard = Journal.open(tmp_path / "b", header, shard=Shard(0, 2))
    with pytest.raises(UnsafePathError, match="recorded name '../t'"):
        read_journal(shard.path)
    res = invoke("merge-shards", tmp_path / "b")
    assert res.exit_code == 1 and "recorded name '../t'" in res.output
