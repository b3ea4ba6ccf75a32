"""CLI: composite, datasets check|verify|stats, human2k build, perf composite|hdf5 (--help and runs)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from benchmark.cli import cli
from human2k.synthetic import write_comp1k_tree, write_human2k_raw


@pytest.mark.parametrize(
    "args",
    [
        ["composite", "comp1k"],
        ["composite", "d646"],
        ["composite", "human2k"],
        ["datasets", "check"],
        ["datasets", "verify"],
        ["datasets", "stats"],
        ["human2k", "build"],
        ["perf", "composite"],
        ["perf", "hdf5"],
    ],
)
def test_help(args):
    r = CliRunner().invoke(cli, [*args, "--help"])
    assert r.exit_code == 0, r.output
    assert "Usage" in r.output


def test_composite_check_verify_stats(tmp_path):
    t = write_comp1k_tree(
        tmp_path / "src", n_train_fg=2, n_test_fg=2, bg_train=2, bg_test=2, size=(40, 30)
    )
    run = CliRunner().invoke
    roots = ["--coco-root", str(t.coco_root), "--voc-root", str(t.voc_root)]
    r = run(cli, ["datasets", "check", "comp1k", "--root", str(t.adobe_root), *roots])
    assert (
        r.exit_code == 1
        and "background list has 4 lines" in r.output
        and "request it from Adobe" in r.output
    )
    r = run(
        cli,
        ["datasets", "check", "comp1k", "--root", str(t.adobe_root), *roots, "--bg-per-fg", "2"],
    )
    assert r.exit_code == 0 and "everything the name lists need is present" in r.output
    out = tmp_path / "o"
    r = run(
        cli,
        [
            "composite",
            "comp1k",
            "--adobe-root",
            str(t.adobe_root),
            *roots,
            "--split",
            "all",
            "--bg-per-fg",
            "2",
            "--out",
            str(out),
            "--workers",
            "1",
            "--limit-fg",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "4 composites" in r.output and (out / "test/merged/beach-747750_1280_1.png").is_file()
    assert not (out / "test/merged/boy-1518482_1920_0.png").exists()  # --limit-fg 1
    r = run(cli, ["datasets", "verify", str(out)])
    assert r.exit_code == 0 and "0 missing, 0 differing" in r.output
    (out / "train/alpha/9434599749_e7ccfc7812_b.png").write_bytes(b"x")
    r = run(cli, ["datasets", "verify", str(out)])
    assert r.exit_code == 1 and "differs  train/alpha/9434599749_e7ccfc7812_b.png" in r.output
    r = run(cli, ["datasets", "stats", str(t.adobe_root), "--dataset", "comp1k"])
    assert r.exit_code == 0 and "50 / 11 / 1655*1380" in r.output and "n/a" in r.output
    # a different parameter on the same OUT: one clear line, exit 1
    r = run(
        cli,
        [
            "composite",
            "comp1k",
            "--adobe-root",
            str(t.adobe_root),
            *roots,
            "--split",
            "all",
            "--bg-per-fg",
            "2",
            "--out",
            str(out),
            "--workers",
            "1",
        ],
    )
    assert r.exit_code == 1 and "limit_fg=1" in r.output and "Traceback" not in r.output


def test_human2k_build_cli(tmp_path):
    raw = write_human2k_raw(tmp_path / "raw", 5, 0, size=(40, 30))
    r = CliRunner().invoke(
        cli,
        [
            "human2k",
            "build",
            "--images",
            str(raw.images),
            "--alphas",
            str(raw.alphas),
            "--out",
            str(tmp_path / "h"),
            "--seed",
            "1",
        ],
    )
    assert r.exit_code == 0, r.output
    assert "4 train / 1 test" in r.output and "Table 1  test" in r.output and "H=1" in r.output
