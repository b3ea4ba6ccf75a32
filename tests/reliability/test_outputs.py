"""Inputs are read-only, outputs are claimed before any work (defects 2 and 3, eval --out,
stale leaderboard tables, composite/report/leaderboard --overwrite), and every OSError is one
line."""

from __future__ import annotations

import errno
import os
import tempfile

import numpy as np
import pytest

from human2k.images import write_png
from human2k.synthetic import write_comp1k_tree, write_human2k_raw
from tests.benchmark.test_leaderboard import make_run
from tests.reliability.helpers import error_line, invoke, snapshot
from tests.reliability.test_eval_inputs import args as eval_args
from tests.reliability.test_eval_inputs import make_set


def alphas(folder, n=2):
    for i in range(n):
        a = np.zeros((16, 16), np.uint8)
        a[4:12, 4:12] = 255
        a[3, 3:13] = 128
        write_png(folder / f"a{i}.png", a)
    return folder


# --------------------------------------------------------------------- defect 2: trimap


@pytest.mark.parametrize("where", ["same", "inside", "around"])
def test_trimap_never_writes_into_its_alpha_folder(tmp_path, where):
    gt = alphas(tmp_path / "data" / "GT")
    out = {"same": gt, "inside": gt / "tri", "around": tmp_path / "data"}[where]
    before = snapshot(tmp_path)
    res = invoke("trimap", "--alpha", gt, "--out", out)
    word = {"same": "is", "inside": "lies inside", "around": "contains"}[where]
    error_line(res, f"{out}: {word} the alpha folder", "inputs are never written to (option --out)")
    assert snapshot(tmp_path) == before


def test_trimap_overwrite_removes_what_it_wrote_before(tmp_path):
    gt = alphas(tmp_path / "GT")
    out = tmp_path / "tri"
    assert invoke("trimap", "--alpha", gt, "--out", out, "--per-image", 3).exit_code == 0
    error_line(invoke("trimap", "--alpha", gt, "--out", out), "already holds 7 entries")
    (out / "mine.txt").write_text("kept")
    assert invoke("trimap", "--alpha", gt, "--out", out, "--overwrite").exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["a0.png", "a1.png", "mine.txt", "trimaps.json"]


# --------------------------------------------------------------------- defect 3: human2k build


def test_human2k_build_again_never_leaves_an_image_in_both_splits(tmp_path):
    raw = write_human2k_raw(tmp_path / "raw", 8, 0, size=(48, 36))
    out = tmp_path / "h2k"
    base = ["human2k", "build", "--images", raw.images, "--alphas", raw.alphas, "--out", out]
    assert invoke(*base, "--n-test", 2, "--dup-distance", -1).exit_code == 0
    before = snapshot(tmp_path)
    error_line(invoke(*base, "--n-test", 3, "--seed", 7), "already holds", "(option --out)")
    assert snapshot(tmp_path) == before
    res = invoke(*base, "--n-test", 3, "--seed", 7, "--overwrite", "--dup-distance", -1)
    assert res.exit_code == 0, res.output
    train = {p.name for p in (out / "train" / "fg").iterdir()}
    test = {p.name for p in (out / "test" / "fg").iterdir()}
    assert len(test) == 3 and len(train) == 5 and not train & test
    assert {p.stem for p in (out / "train" / "alpha").iterdir()} == {n[:-4] for n in train}


def test_human2k_build_out_must_not_hold_the_inputs(tmp_path):
    raw = write_human2k_raw(tmp_path / "raw", 3, 0, size=(48, 36))
    res = invoke(
        "human2k",
        "build",
        "--images",
        raw.images,
        "--alphas",
        raw.alphas,
        "--out",
        raw.images.parent,
    )
    error_line(res, "contains the images folder")


# --------------------------------------------------------------------- eval --out


def test_eval_out_is_checked_before_scoring(tmp_path):
    root = make_set(tmp_path)
    (root / "pred" / "im0.png").write_bytes(b"broken")  # would fail scoring if it were reached
    before = snapshot(tmp_path)
    error_line(invoke(*eval_args(root, "--out", tmp_path / "x.json")), "x.json: must end in .csv")
    error_line(
        invoke(*eval_args(root, "--out", root / "pred" / "im1.png")),
        "im1.png: lies inside the --pred folder",
    )
    (tmp_path / "s.csv").write_text("old")
    before = snapshot(tmp_path)
    error_line(invoke(*eval_args(root, "--out", tmp_path / "s.csv")), "s.csv: already exists")
    assert snapshot(tmp_path) == before


# --------------------------------------------------------------------- composite --out


def test_composite_out_rules(tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=2, bg_train=1, bg_test=2, size=(40, 30)
    )
    base = [
        "composite",
        "comp1k",
        "--adobe-root",
        tree.adobe_root,
        "--voc-root",
        tree.voc_root,
        "--workers",
        1,
        "--bg-per-fg",
        2,
    ]
    before = snapshot(tmp_path)
    error_line(invoke(*base, "--out", tree.adobe_root), "is the dataset root")
    error_line(invoke(*base, "--out", tree.voc_root / "x"), "lies inside the VOC folder")
    assert snapshot(tmp_path) == before
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    error_line(invoke(*base, "--out", other), "but no composite run", "(option --out)")
    out = tmp_path / "out"
    assert invoke(*base, "--out", out).exit_code == 0
    error_line(invoke(*base, "--out", out, "--max-bg", 1), "max_bg=None")
    res = invoke(*base, "--out", out, "--max-bg", 1, "--overwrite")
    assert res.exit_code == 0, res.output
    merged = sorted(p.name for p in (out / "test" / "merged").iterdir())
    assert len(merged) == 2 and all(n.endswith("_0.png") for n in merged)  # no stale _1 files
    assert invoke("datasets", "verify", out).exit_code == 0


# --------------------------------------------------------------------- leaderboard / report


def test_leaderboard_out_and_stale_tables(tmp_path):
    results = tmp_path / "results"
    make_run(results, model="a", dataset="comp1k")
    make_run(results, model="b", dataset="d646")
    out = tmp_path / "tables"
    assert invoke("leaderboard", "--results", results, "--out", out).exit_code == 0
    d646 = [p.name for p in out.iterdir() if p.name.startswith("d646")]
    assert d646
    for run in (results / "d646").rglob("run.json"):
        run.unlink()
    error_line(invoke("leaderboard", "--results", results, "--out", out), "already holds")
    assert invoke("leaderboard", "--results", results, "--out", out, "--overwrite").exit_code == 0
    assert not [p.name for p in out.iterdir() if p.name.startswith("d646")]  # no stale table
    error_line(
        invoke("leaderboard", "--results", results, "--out", results / "t"),
        "lies inside the results folder",
    )


def test_report_out_rules(tmp_path):
    results = tmp_path / "results"
    make_run(results, model="a")
    error_line(
        invoke("report", "--results", results, "--out", results / "r.html"),
        "lies inside the results folder",
    )
    (tmp_path / "r.html").write_text("old")
    error_line(
        invoke("report", "--results", results, "--out", tmp_path / "r.html"), "already exists"
    )
    assert (
        invoke(
            "report", "--results", results, "--out", tmp_path / "r.html", "--overwrite"
        ).exit_code
        == 0
    )


# --------------------------------------------------------------------- OSError = one line


def _fail(code):
    def fail(*a, **k):
        raise OSError(code, os.strerror(code))

    return fail


def test_read_only_output_folder_is_one_line_before_any_work(tmp_path, monkeypatch):
    root = make_set(tmp_path)
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=1, bg_train=1, bg_test=1, size=(40, 30)
    )
    monkeypatch.setattr(tempfile, "mkstemp", _fail(errno.EROFS))
    error_line(invoke(*eval_args(root, "--out", tmp_path / "o" / "s.csv")), "Read-only file system")
    res = invoke(
        "composite",
        "comp1k",
        "--adobe-root",
        tree.adobe_root,
        "--voc-root",
        tree.voc_root,
        "--bg-per-fg",
        1,
        "--out",
        tmp_path / "c",
        "--workers",
        1,
    )
    error_line(res, "cannot write: Read-only file system")


def test_full_disk_is_one_line(tmp_path, monkeypatch):
    root = make_set(tmp_path)
    real = os.replace

    def replace(src, dst):
        if str(dst).endswith((".csv", ".png", ".json", ".html")):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    error_line(
        invoke(*eval_args(root, "--out", tmp_path / "s.csv")), "s.csv: cannot write: No space left"
    )
    results = tmp_path / "results"
    make_run(results, model="a")
    res = invoke("score", "--model", "trimap_only", "--dataset", tmp_path, "--out", tmp_path / "r")
    assert "Traceback" not in res.output
    error_line(
        invoke("report", "--results", results, "--out", tmp_path / "r.html"), "No space left"
    )


def test_any_other_os_error_is_one_line(tmp_path, monkeypatch):
    import benchmark.report.html as html

    results = tmp_path / "results"
    make_run(results, model="a")
    monkeypatch.setattr(html, "build_report", _fail(errno.EACCES))
    error_line(
        invoke("report", "--results", results, "--out", tmp_path / "r.html"), "Permission denied"
    )
