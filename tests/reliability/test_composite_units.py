"""Defect 6 and composite resume: each foreground is journaled (and the progress moves) the
moment it finishes, and a resume redoes a foreground whose source changed."""

from __future__ import annotations

import json
import time

from human2k.composite import composite_dataset
from human2k.images import read_rgb, write_png
from human2k.manifest import JOURNAL_NAME, verify
from human2k.processes import run_units
from human2k.synthetic import write_comp1k_tree


def _comp(tree, out, **kw):
    return composite_dataset(
        "comp1k", root=tree.adobe_root, voc_root=tree.voc_root, bg_per_fg=2, out=out, **kw
    )


def test_journal_and_progress_move_with_the_work(tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=6, bg_train=1, bg_test=2, size=(120, 90)
    )
    out = tmp_path / "out"
    seen = []

    def progress(task, done, total, detail=""):
        journaled = (out / JOURNAL_NAME).read_bytes().count(b"\n") - 1
        merged = len(list((out / "test" / "merged").glob("*.png")))
        seen.append((done, journaled, merged))

    m = _comp(tree, out, workers=2, progress=progress)
    assert [s[0] for s in seen] == [0, 2, 4, 6, 8, 10, 12]
    assert all(journaled * 2 == done for done, journaled, _ in seen)
    # when the first foreground is reported, at most the two running ones can be written
    assert seen[1][2] <= 4 and m["run"]["composites"] == 12


def test_outcomes_arrive_as_units_finish():
    t0 = time.monotonic()
    order = [
        (o.key, round(time.monotonic() - t0, 1))
        for o in run_units(time.sleep, [("slow", (3,)), ("fast", (0,))], workers=2)
    ]
    assert [k for k, _ in order] == ["fast", "slow"] and order[0][1] < order[1][1]


def test_resume_redoes_a_foreground_whose_source_changed(tmp_path):
    tree = write_comp1k_tree(
        tmp_path / "src", n_train_fg=1, n_test_fg=3, bg_train=1, bg_test=2, size=(40, 30)
    )
    out = tmp_path / "out"
    first = _comp(tree, out)
    fg = tree.adobe_root / "Test_set" / "Adobe-licensed images" / "fg" / tree.test_fg_names[1]
    write_png(fg, 255 - read_rgb(fg))  # same size, other pixels
    again = _comp(tree, out)
    assert again["run"]["resumed_tasks"] == 2 and again["run"]["redone_changed_sources"] == 1
    changed = [p for p in first["files"] if first["files"][p] != again["files"][p]]
    stem = tree.test_fg_names[1][:-4]
    assert changed and all(stem in p for p in changed)
    assert verify(out).ok
    lines = (out / JOURNAL_NAME).read_text().splitlines()[1:]
    assert all("sources" in json.loads(line) for line in lines)
