"""Hidden-GT scoring: the numbers of `mattebench eval`, messages without server paths."""

from __future__ import annotations

import numpy as np
import pytest

from benchmark.scoring.evaluate import evaluate_triplets, pair_files
from benchmark.serve.hidden_gt import load_benchmarks, public_message, score_upload
from benchmark.serve.limits import ServeLimits
from human2k.errors import InputError
from human2k.images import write_png
from tests.benchmark.serve.helpers import make_benchmark, make_predictions, zip_files


@pytest.fixture
def bench(tmp_path):
    split = make_benchmark(tmp_path / "bench", n=4)
    [b] = load_benchmarks(split)
    return b


def test_a_composite_split_is_one_benchmark(bench, tmp_path):
    assert bench.name == "tiny-test" and bench.layout == "composite"
    assert bench.names == ("fg0_0.png", "fg0_1.png", "fg1_0.png", "fg1_1.png")
    assert bench.max_pixels == 24 * 32
    assert str(tmp_path) not in bench.describe() and "4 test images" in bench.describe()
    [same] = load_benchmarks(bench.root)
    assert same.fingerprint == bench.fingerprint
    write_png(bench.gt_dir / "fg0.png", np.zeros((24, 32), np.uint8))
    [changed] = load_benchmarks(bench.root)
    assert changed.fingerprint != bench.fingerprint


@pytest.mark.realdata
def test_alphamatting_gives_one_benchmark_per_trimap_set(shared_data):
    benches = load_benchmarks(shared_data / "alphamatting")
    assert [b.name for b in benches] == ["alphamatting-trimap1", "alphamatting-trimap2"]
    assert all(len(b.names) == 27 for b in benches)


def test_scores_equal_the_eval_functions_on_the_same_files(bench, tmp_path):
    preds = make_predictions(tmp_path / "p", bench.root)
    upload = zip_files(tmp_path / "up.zip", preds, folder="mine/")
    got = score_upload(bench, upload, ServeLimits(), work_dir=tmp_path / "work")
    want = evaluate_triplets(pair_files(tmp_path / "p", bench.gt_dir, bench.trimap_dir))
    assert got.records == want.records and got.means == want.means
    assert list((tmp_path / "work").iterdir()) == []  # the extracted upload is gone


def test_messages_name_the_upload_never_a_server_path(bench, tmp_path):
    preds = make_predictions(tmp_path / "p", bench.root)
    with pytest.raises(InputError) as info:
        score_upload(bench, zip_files(tmp_path / "a.zip", preds[:3]), ServeLimits())
    text = str(info.value)
    assert text == (
        "upload: 1 trimap(s) have no prediction: fg1_1.png "
        "(the leaderboard ranks complete submissions only)"
    )
    write_png(preds[0], np.zeros((30, 40), np.uint8))  # more pixels than any test image
    with pytest.raises(InputError, match=r"^upload/fg0_0.png: image of 40x30 = 1200 pixels"):
        score_upload(bench, zip_files(tmp_path / "b.zip", preds), ServeLimits())
    write_png(preds[0], np.zeros((20, 32), np.uint8))
    with pytest.raises(InputError) as info:
        score_upload(bench, zip_files(tmp_path / "c.zip", preds), ServeLimits())
    assert "[hidden GT]/fg0.png" in str(info.value) and str(tmp_path) not in str(info.value)


def test_public_message_falls_back_when_a_private_path_remains(bench, tmp_path):
    exc = InputError(bench.gt_dir / "fg0.png", "cannot decode image")
    assert public_message(exc, bench, None) == "[hidden GT]/fg0.png: cannot decode image"
    pred_dir = tmp_path / "eval-1" / "pred"
    upload = InputError(pred_dir / "a.png", "cannot decode image")
    assert public_message(upload, bench, pred_dir) == "upload/a.png: cannot decode image"
    odd = InputError(tmp_path / "eval-1" / "scratch", "unexpected")
    assert "internal path" in public_message(odd, bench, pred_dir)


def test_an_oversized_upload_is_refused(bench, tmp_path):
    upload = tmp_path / "big.zip"
    upload.write_bytes(b"\0" * (1024 * 1024 + 1))
    with pytest.raises(InputError, match="over the upload limit of 1 MiB"):
        score_upload(bench, upload, ServeLimits(max_upload_mb=1))
