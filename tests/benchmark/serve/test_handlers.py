"""What the page's buttons do, called directly (no web server): ServeContext and the
leaderboards view."""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmark.serve.handlers import ServeConfig, ServeContext
from benchmark.serve.leaderboard_view import ResultsView, frame_from_cells
from human2k.errors import InputError
from human2k.images import read_alpha, read_trimap, write_png
from tests.benchmark.serve.helpers import make_benchmark, make_predictions, zip_files
from tests.benchmark.test_report import make_dataset, make_run


@pytest.fixture
def ctx(tmp_path):
    split = make_benchmark(tmp_path / "bench", n=4)
    dataset = tmp_path / "ds"
    make_dataset(dataset, ["a_0", "a_1"])
    for model in ("a", "b"):
        make_run(tmp_path / "results", model, ["a_0", "a_1"], None, dataset_dir=dataset, seed=1)
    hidden = make_run(
        tmp_path / "results", "c", ["fg0_0"], None, dataset="tiny", dataset_dir=split, seed=2
    )
    config = ServeConfig(
        data_dir=tmp_path / "data", results=tmp_path / "results", benchmarks=[split]
    )
    context = ServeContext(config)
    context.hidden_run = hidden
    return context


def test_matte_then_finish_give_the_files_of_the_page(ctx, tmp_path):
    image, trimap = tmp_path / "i.png", tmp_path / "t.png"
    write_png(image, np.random.default_rng(0).integers(0, 256, (16, 20, 3), dtype=np.uint8))
    tri = np.zeros((16, 20), np.uint8)
    tri[:, 10:] = 255
    tri[:, 8:12] = 128
    write_png(trimap, tri)
    alpha, info = ctx.matte(str(image), str(trimap), "trimap_only")
    # as score does it: 0.5 quantised by the default truncation is 127
    assert read_alpha(alpha).tolist() == np.where(tri == 128, 127, tri).tolist()
    assert info["model"] == "trimap_only" and info["unknown_pixels"] == 64
    comp, alpha2, rgba, text = ctx.finish(str(image), alpha, "#000000", None, info)
    assert read_alpha(alpha2).tolist() == read_alpha(alpha).tolist()
    assert "trimap_only" in text and "20×16" in text
    with pytest.raises(InputError, match="run the matting first"):
        ctx.finish(str(image), None, "#000000", None, None)


def test_trimaps_from_a_drawing_and_from_a_mask(ctx, tmp_path):
    image = tmp_path / "i.png"
    write_png(image, np.zeros((10, 12, 3), np.uint8))
    fg = np.zeros((5, 6, 4), np.uint8)  # the editor may hand layers at another scale
    fg[:, 3:, 3] = 255
    path = ctx.trimap_from_drawing({"layers": [None, fg, None]}, str(image), "background")
    t = read_trimap(path)
    assert t.shape == (10, 12) and t[0].tolist() == [0] * 6 + [255] * 6
    mask = tmp_path / "m.png"
    m = np.zeros((10, 12), np.uint8)
    m[:, 6:] = 255
    write_png(mask, m)
    assert read_trimap(ctx.trimap_from_mask(str(mask), 3, str(image)))[0, 5:7].tolist() == [
        128,
        128,
    ]
    write_png(mask, np.zeros((4, 4), np.uint8))
    with pytest.raises(InputError, match="size 4x4 does not match the image 12x10"):
        ctx.trimap_from_mask(str(mask), 3, str(image))


def test_evaluate_publishes_and_lists(ctx, tmp_path):
    bench = ctx.benchmarks["tiny-test"]
    upload = zip_files(tmp_path / "p.zip", make_predictions(tmp_path / "p", bench.root))
    with pytest.raises(InputError, match="link: must be an http"):
        ctx.evaluate("tiny-test", str(upload), "me", True, "", "ftp://x")
    frame, sid = ctx.evaluate("tiny-test", str(upload), "me", True, "Net", "")
    assert sid == 1 and list(frame["image"])[-1] == "mean (4 images)"
    assert frame.columns[1] == "SAD (/1e3, unknown)"
    frame2, sid2 = ctx.evaluate("tiny-test", str(upload))
    assert sid2 is None and frame2.equals(frame)
    board = ctx.leaderboard("tiny-test")
    assert board[["Rank", "Name", "Method"]].values.tolist() == [[1, "me", "Net"]]
    assert board["MSE (x1e3, unknown)"][0] == pytest.approx(frame.iloc[-1, 2] * 1e3)
    assert "4 test images" in ctx.describe("tiny-test")
    with pytest.raises(InputError, match="no benchmark 'nope'"):
        ctx.evaluate("nope", str(upload))


def test_results_view_tables_records_and_reports(ctx, tmp_path):
    view = ctx.results
    slug = next(s for label, s in view.choices() if label == "comp1k test")
    table = view.table(slug)
    assert table.bold[0] == [
        c for c in table.frame.columns if c.startswith(("SAD", "MSE", "Grad", "Conn"))
    ]
    assert list(table.frame.columns)[:2] == ["Model", "Source"]
    assert table.frame["SAD (/1e3, unknown)"].dtype.kind == "f"
    assert "reported (paper T3)" in set(table.frame["Source"])
    key = table.run_keys[0]
    assert table.frame["Report"][0] == f"[{key[:6]}](/report/{key})"
    assert "<svg" in view.report(key) and view.record(key)["model"] == "a"
    assert view.report(key) is view.report(key)  # built once
    hidden_key = next(k for k, r in view.runs.items() if r.path == ctx.hidden_run)
    assert not view.has_report(hidden_key)
    assert view.record(hidden_key)["extra"]["dataset_dir"] == "[hidden benchmark]"
    with pytest.raises(InputError, match="hidden-GT benchmark"):
        view.report(hidden_key)
    assert ResultsView(tmp_path / "results").has_report(hidden_key)  # not hidden there
    assert [label for label, _ in view.run_labels(slug)][0].startswith("a — comp1k/a/")


def test_frames_keep_text_columns_as_text():
    frame = frame_from_cells(["Model", "SAD", "Note"], [["x", "1.5 ± 0.1", "n/a"], ["y", "2", "-"]])
    assert frame["SAD"].tolist() == ["1.5 ± 0.1", "2"]
    assert all(math.isnan(v) for v in frame["Note"])


def test_the_data_folder_never_lies_on_an_input(tmp_path):
    from human2k.errors import OverlapError

    split = make_benchmark(tmp_path / "bench", n=2)
    with pytest.raises(OverlapError, match="lies inside the benchmark") as info:
        ServeContext(ServeConfig(data_dir=split / "serve-data", benchmarks=[split]))
    assert info.value.param == "data_dir" and not (split / "serve-data").exists()
    with pytest.raises(OverlapError, match="the results folder"):
        ServeContext(ServeConfig(data_dir=tmp_path / "r", results=tmp_path / "r"))
