"""Table-1 statistics on the layouts we support."""

from __future__ import annotations

from pathlib import Path

import pytest

from human2k.stats import dataset_stats
from human2k.synthetic import write_comp1k_tree

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"


def test_raw_comp1k_tree(tmp_path):
    t = write_comp1k_tree(tmp_path, n_train_fg=3, n_test_fg=2, bg_train=1, bg_test=1, size=(64, 48))
    rows = {s.split: s for s in dataset_stats(t.adobe_root, dataset="comp1k")}
    assert (
        rows["train"].volume == 3 and rows["test"].volume == 2
    )  # Adobe-licensed + Other both counted
    assert rows["test"].humans is None and rows["test"].row()["H"] == "n/a"


def test_real_alphamatting_folder():
    if not (SHARED / "alphamatting" / "alpha").is_dir():
        pytest.skip("../shared/data not present")
    (s,) = dataset_stats(SHARED / "alphamatting")
    # 27 GT alphas; widths 640..800, heights 490..800 (README): mean 784.8 x 602.7
    assert s.split == "all" and s.volume == 27
    assert 780 < s.mean_width < 790 and 590 < s.mean_height < 615
