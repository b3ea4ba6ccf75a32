"""Leaderboards from real run folders (RunRecord + per_image.csv, the format `score` writes)."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from benchmark.cli import cli
from benchmark.scoring.protocol import Protocol, RunRecord
from benchmark.tables.alphamatting_rank import build_rank_tables, rank_columns, reported_rank_table
from benchmark.tables.leaderboard import (
    build_leaderboards,
    build_tables,
    collect_runs,
    latex_document,
    to_csv,
    to_latex,
    to_markdown,
    write_leaderboards,
)
from human2k.errors import InputError


def make_run(
    root: Path,
    *,
    model="m",
    seed=None,
    sad=(1.0, 2.0),
    mse=None,
    dataset="comp1k",
    split="test",
    region="unknown",
    trimap_source="official",
    config=None,
    training_data="train:comp1k",
    checkpoint="",
    run_id=None,
    images=None,
    resolution="native",
    quantization="truncate",
) -> Path:
    """Write one run folder exactly as `mattebench score` does."""
    images = list(images or [f"img{i}" for i in range(len(sad))])
    mse = list(mse if mse is not None else [0.001] * len(sad))
    protocol = Protocol(
        dataset=dataset,
        split=split,
        trimap_source=trimap_source,
        region=region,
        resolution=resolution,
        quantization=quantization,
    )
    record = RunRecord(
        protocol=protocol,
        model=model,
        model_config=dict(config or {}),
        seed=seed,
        training_data=training_data,
        checkpoint_sha256=checkpoint,
        n_images=len(images),
    )
    run_dir = (
        root
        / dataset
        / model
        / (run_id or f"run-{split}-{region}-{seed}-{checkpoint}-{resolution}-{quantization}")
    )
    run_dir.mkdir(parents=True)
    pd.DataFrame(
        {
            "image": images,
            "sad": sad,
            "mse": mse,
            "grad": [2 * s for s in sad],
            "conn": [3 * s for s in sad],
            "seconds": 0.1,
        }
    ).to_csv(run_dir / "per_image.csv", index=False)
    (run_dir / "run.json").write_text(record.to_json())
    return run_dir


def md_row(md: str, model: str) -> list[str]:
    """The cells of MODEL's row, Markdown escapes undone."""
    for line in md.splitlines():
        raw = re.split(r"(?<!\\)\|", line.strip().strip("|"))
        cells = [re.sub(r"\\(.)", r"\1", c.strip()) for c in raw]
        if line.startswith("|") and cells[0] == model:
            return cells
    raise AssertionError(f"row {model} not found in\n{md}")


# ----------------------------------------------------------------------------- collection


def test_collect_runs_reads_the_score_layout(tmp_path):
    make_run(tmp_path, model="a", sad=(1.0, float("nan"), 3.0))
    (run,) = collect_runs(tmp_path)
    assert run.record.model == "a" and run.n_images == 3 and run.n_failed == 1
    assert run.means()["sad"] == pytest.approx(2.0)  # mean over the images that were scored


def test_collect_runs_names_the_bad_file(tmp_path):
    d = make_run(tmp_path, model="a")
    (d / "run.json").write_text("{not json")
    with pytest.raises(InputError, match=re.escape(str(d / "run.json"))):
        collect_runs(tmp_path)
    d.joinpath("run.json").unlink()
    d2 = make_run(tmp_path, model="b")
    pd.DataFrame({"image": ["x"], "sad": [1.0]}).to_csv(d2 / "per_image.csv", index=False)
    with pytest.raises(InputError, match="missing column.*mse"):
        collect_runs(tmp_path)
    (d2 / "per_image.csv").unlink()
    with pytest.raises(InputError, match="per_image.csv: missing"):
        collect_runs(tmp_path)
    with pytest.raises(InputError, match="results folder not found"):
        collect_runs(tmp_path / "nope")


# ----------------------------------------------------------------------------- tables


def test_protocols_never_share_a_table(tmp_path):
    make_run(tmp_path, model="a", region="unknown")
    make_run(tmp_path, model="a", region="whole")
    make_run(tmp_path, model="b", region="whole")
    make_run(tmp_path, model="b", resolution="downscaled")
    make_run(tmp_path, model="c", trimap_source="generated:dilate:seed=0")
    tables = build_tables(collect_runs(tmp_path))
    assert len(tables) == 4
    keys = [t.protocol.key() for t in tables]
    assert len(set(keys)) == 4
    by_region = {
        (t.protocol.region, t.protocol.resolution, t.protocol.trimap_source): [
            r.model for r in t.rows
        ]
        for t in tables
    }
    assert by_region[("whole", "native", "official")] == ["a", "b"]
    assert by_region[("unknown", "native", "official")] == ["a"]
    assert by_region[("unknown", "downscaled", "official")] == ["b"]
    whole = next(t for t in tables if t.protocol.region == "whole")
    assert "SAD (/1e3, whole)" in to_markdown(whole) and "MSE (x1e3, whole)" in to_markdown(whole)
    assert "region: whole" in whole.caption()


def test_quantization_and_official_policy_never_share_a_table(tmp_path):
    make_run(tmp_path, model="a")
    make_run(tmp_path, model="a", quantization="round")
    make_run(tmp_path, model="a", resolution="official")
    make_run(tmp_path, model="b", resolution="official")
    tables = build_tables(collect_runs(tmp_path))
    got = {
        (t.protocol.quantization, t.protocol.resolution): sorted(r.model for r in t.rows)
        for t in tables
    }
    assert got == {
        ("truncate", "native"): ["a"],
        ("round", "native"): ["a"],
        ("truncate", "official"): ["a", "b"],
    }
    assert len({t.slug for t in tables}) == 3
    assert any("round" in t.slug for t in tables)
    official = next(t for t in tables if t.protocol.resolution == "official")
    assert "resolution: official" in official.caption() and "quantisation: truncate" in (
        official.caption()
    )


def test_test_set_contaminated_checkpoints_get_their_own_table(tmp_path):
    make_run(tmp_path, model="a", training_data="train:comp1k")
    make_run(tmp_path, model="b", training_data="train:+comp1k-test")
    tables = build_tables(collect_runs(tmp_path))
    assert [[r.model for r in t.rows] for t in tables] == [["a"], ["b"]]
    assert tables[1].contaminated and "WARNING" in tables[1].caption()


def test_mean_and_std_over_seeds(tmp_path):
    for seed, (s, m) in enumerate([(10.0, 0.001), (12.0, 0.002), (14.0, 0.003)]):
        make_run(
            tmp_path,
            model="timinet",
            seed=seed,
            sad=(s - 1, s + 1),
            mse=(m, m),
            config={"seed": seed, "w": 1},
            checkpoint=f"ck{seed}",
        )
    make_run(
        tmp_path,
        model="timinet",
        seed=0,
        sad=(50.0, 50.0),
        config={"seed": 0, "w": 2},
        checkpoint="other",
    )
    (table,) = build_tables(collect_runs(tmp_path))
    row = next(
        r for r in table.rows if r.model == "timinet[w=1]"
    )  # label: only the keys that differ
    assert row.n_runs == 3 and sorted(row.seeds) == ["0", "1", "2"]
    assert row.mean["sad"] == pytest.approx(12.0) and row.std["sad"] == pytest.approx(2.0)  # ddof=1
    assert row.mean["mse"] == pytest.approx(2.0) and row.std["mse"] == pytest.approx(
        1.0
    )  # shown x1e3
    assert row.mean["conn"] == pytest.approx(36.0) and row.std["conn"] == pytest.approx(6.0)
    other = next(
        r for r in table.rows if r.model == "timinet[w=2]"
    )  # a different config is its own row
    assert other.n_runs == 1 and math.isnan(other.std["sad"])
    cells = md_row(to_markdown(table), "timinet[w=1]")
    assert cells[5] == "**12.00 ± 2.00**" and cells[6] == "2.00 ± 1.00"
    assert md_row(to_markdown(table), "timinet[w=2]")[5:7] == [
        "50.00",
        "**1.00**",
    ]  # default MSE 0.001
    assert "seeds 0, 1, 2" in " ".join(table.notes)


def test_a_repeated_run_counts_once(tmp_path):
    first = make_run(tmp_path, model="a", seed=1, checkpoint="x", sad=(5.0, 5.0), run_id="r1")
    make_run(tmp_path, model="a", seed=1, checkpoint="x", sad=(7.0, 7.0), run_id="r2")
    os.utime(first / "run.json", (1, 1))  # r2 is newer: it wins
    (table,) = build_tables(collect_runs(tmp_path))
    (row,) = table.rows
    assert row.n_runs == 1 and row.mean["sad"] == 7.0


def test_bold_marks_the_best_per_column_with_ties(tmp_path):
    make_run(tmp_path, model="a", sad=(1.0, 1.0), mse=(0.004, 0.004))
    make_run(tmp_path, model="b", sad=(1.0, 1.0), mse=(0.002, 0.002))
    make_run(tmp_path, model="c", sad=(3.0, 3.0), mse=(0.001, 0.001))
    (table,) = build_tables(collect_runs(tmp_path))
    md = to_markdown(table)
    a, b, c = md_row(md, "a"), md_row(md, "b"), md_row(md, "c")
    assert (a[5], b[5], c[5]) == ("**1.00**", "**1.00**", "3.00")  # SAD tie: both bold
    assert (a[6], b[6], c[6]) == ("4.00", "2.00", "**1.00**")  # MSE x1e3: c best
    tex = to_latex(table)
    line_c = next(line for line in tex.splitlines() if line.startswith("c &"))
    assert line_c.split(" & ")[5:7] == ["3.00", r"\textbf{1.00}"]
    line_a = next(line for line in tex.splitlines() if line.startswith("a &"))
    assert line_a.split(" & ")[5] == r"\textbf{1.00}"
    assert [r.model for r in table.rows] == ["a", "b", "c"]  # sorted by SAD, then name


def test_failed_images_are_counted_and_noted(tmp_path):
    make_run(tmp_path, model="slow", sad=(2.0, float("nan"), 4.0))
    (table,) = build_tables(collect_runs(tmp_path))
    cells = md_row(to_markdown(table), "slow")
    assert cells[4] == "3 (1 failed)" and cells[5] == "**3.00**"
    assert any("1 image(s) failed" in n for n in table.notes)


def test_partial_runs_are_not_bold_against_complete_ones(tmp_path):
    make_run(tmp_path, model="full", sad=(5.0, 5.0, 5.0))
    make_run(
        tmp_path, model="subset", sad=(1.0, 1.0)
    )  # e.g. a --limit 2 run: lower, not comparable
    make_run(tmp_path, model="failing", sad=(0.5, float("nan"), 0.5))
    (table,) = build_tables(collect_runs(tmp_path))
    md = to_markdown(table)
    assert md_row(md, "full")[5].startswith("**5.0")
    assert not md_row(md, "subset")[5].startswith("**") and not md_row(md, "failing")[5].startswith(
        "**"
    )
    assert any("subset: scored 2 images, others 3; not eligible for bold" in n for n in table.notes)


def test_reported_rows_join_their_dataset_as_a_separate_block(tmp_path):
    make_run(tmp_path, model="mine", sad=(20.0, 22.0), mse=(0.005, 0.007))
    make_run(tmp_path, model="mine", dataset="synthetic", sad=(1.0, 1.0))
    tables = build_tables(collect_runs(tmp_path), include_reported=True)
    comp = next(t for t in tables if t.protocol and t.protocol.dataset == "comp1k")
    synth = next(t for t in tables if t.protocol and t.protocol.dataset == "synthetic")
    assert all(r.source == "measured" for r in synth.rows)  # nothing reported about synthetic data
    sources = [r.source for r in comp.rows]
    # measured block first, then Table 3, then the baselines' own published numbers
    assert sources == ["measured"] + ["reported"] * (16 + 9)
    md = to_markdown(comp)
    mine, ours = md_row(md, "mine"), md_row(md, "TIMI-Net (Ours)")
    vitmatte_b = md_row(
        md, "vitmatte_b: ViTMatte-B (vitmatte-base-composition-1k) [ViTMatte README]"
    )
    assert (
        mine[1] == "measured" and ours[1] == "reported (paper T3)" and vitmatte_b[1] == "reported"
    )
    assert (
        mine[5] == "**21.00**"
    )  # best of the measured block (21 < 29.08, but blocks are not ranked together)
    assert ours[5] == "29.08" and ours[6] == "6.0"  # MSE 0.0060 -> 6.0 x1e3
    assert vitmatte_b[5] == "**20.33**" and vitmatte_b[6] == "**3.0**"  # best reported row
    assert md_row(md, "DIM [56]")[6] == "14"  # 0.014 raw printed with 3 decimals -> 14 x1e3
    assert md_row(md, "SampleNet [49]")[7] == "*"
    assert [t.slug for t in tables if t.protocol is None] == [
        "paper-table4-d646",
        "paper-table5-human2k",
        "paper-table6-comp1k-human",
    ]
    lines = md.splitlines()
    assert lines.index("| " + " | ".join(mine) + " |") < lines.index("| " + " | ".join(ours) + " |")
    header, rows = comp.csv_rows()
    assert [r[header.index("source")] for r in rows].count("reported") == 16 + 9


def test_csv_states_scales_and_keeps_full_precision(tmp_path):
    make_run(tmp_path, model="a", sad=(1.0, 2.0), mse=(0.00123, 0.00123))
    (table,) = build_tables(collect_runs(tmp_path))
    rows = list(csv.DictReader(io.StringIO(to_csv(table))))
    assert float(rows[0]["SAD (/1e3, unknown) mean"]) == 1.5
    assert float(rows[0]["MSE (x1e3, unknown) mean"]) == pytest.approx(1.23)
    assert rows[0]["dataset"] == "comp1k" and rows[0]["source"] == "measured"
    assert rows[0]["metric_version"] == table.protocol.metric_version


# ----------------------------------------------------------------------------- alphamatting ranks


def test_rank_columns_average_ties_and_put_nan_last():
    ranks = rank_columns(np.array([[1.0, 5.0], [1.0, np.nan], [0.5, np.nan]]))
    assert ranks.tolist() == [[2.5, 1.0], [2.5, 2.5], [1.0, 2.5]]


def test_rank_table_follows_the_layout_not_the_folder_name(tmp_path):
    """A subset scored from a folder named e.g. gt21_27 (alphamatting layout) still gets ranks."""
    import json

    for model, sad in (("a", (1.0, 2.0)), ("b", (2.0, 1.0))):
        run_dir = make_run(
            tmp_path,
            model=model,
            dataset="gt21_27",
            split="trimap1",
            trimap_source="trimap1",
            sad=sad,
            images=["GT21", "GT22"],
        )
        record = json.loads((run_dir / "run.json").read_text())
        record["extra"]["layout"] = "alphamatting"  # what score writes for this layout
        (run_dir / "run.json").write_text(json.dumps(record))
    (table,) = build_rank_tables(collect_runs(tmp_path))
    assert table.columns == [("GT21", "trimap1"), ("GT22", "trimap1")]


def test_rank_bold_follows_exact_ranks_not_rounded_values(tmp_path):
    for model, sad in (("close", (1.92062,)), ("best", (1.91920,))):
        make_run(
            tmp_path,
            model=model,
            dataset="alphamatting",
            split="trimap1",
            trimap_source="trimap1",
            sad=sad,
            images=["GT22"],
        )
    (table,) = build_rank_tables(collect_runs(tmp_path))
    cells = {row[0].text: row[-1] for row in table.display().blocks[0]}
    assert cells["best"].bold and not cells["close"].bold


def test_alphamatting_ranks_per_image_and_trimap(tmp_path):
    sads = {  # model -> kind -> SAD on GT01, GT02
        "a": {"trimap1": (1.0, 4.0), "trimap2": (2.0, 2.0)},
        "b": {"trimap1": (1.0, 3.0), "trimap2": (3.0, 5.0)},
        "c": {"trimap1": (2.0, 1.0), "trimap2": (1.0, float("nan"))},
    }
    for model, kinds in sads.items():
        for kind, vals in kinds.items():
            make_run(
                tmp_path,
                model=model,
                dataset="alphamatting",
                split=kind,
                trimap_source=kind,
                sad=vals,
                images=["GT01", "GT02"],
                training_data="train:synthetic",
            )
    make_run(tmp_path, model="a", sad=(9.0, 9.0))  # a comp1k run: not part of the rank table
    runs = collect_runs(tmp_path)
    (table,) = build_rank_tables(runs)
    assert table.columns == [
        ("GT01", "trimap1"),
        ("GT01", "trimap2"),
        ("GT02", "trimap1"),
        ("GT02", "trimap2"),
    ]
    # per column ranks: GT01/t1: a,b tie 1.5, c 3 | GT01/t2: c1 a2 b3 | GT02/t1: c1 b2 a3 | GT02/t2: a1 b2 c(NaN)3
    expected = {"a": [1.5, 2, 3, 1], "b": [1.5, 3, 2, 2], "c": [3, 1, 1, 3]}
    for i, model in enumerate(table.models):
        assert table.ranks[i].tolist() == expected[model]
        assert table.avg["overall"][i] == pytest.approx(np.mean(expected[model]))
        assert table.avg["trimap1"][i] == pytest.approx(np.mean(expected[model][0::2]))
        assert table.avg["trimap2"][i] == pytest.approx(np.mean(expected[model][1::2]))
    assert table.models == ["a", "c", "b"]  # average ranks 1.875, 2.0, 2.125
    md = to_markdown(table)
    assert "GT01 trimap1" in md and "Average rank overall" in md
    row_c = md_row(md, "c")
    assert row_c[3] == "2.00" and row_c[9] == "n/a (3)"
    row_a = md_row(md, "a")
    assert (
        row_a[3] == "**1.88**" and row_a[9] == "**2.00 (1)**"
    )  # bold: best avg rank, best SAD in GT02/t2
    assert row_a[6] == "**1.00 (1.5)**" and md_row(md, "b")[6] == "**1.00 (1.5)**"  # tie in GT01/t1
    assert any("missing or failed" in n for n in table.notes)
    rows = list(csv.DictReader(io.StringIO(to_csv(table))))
    assert float(rows[0]["avg_rank_overall"]) == pytest.approx(1.875)
    assert float(rows[0]["GT02/trimap2 rank"]) == 1.0


def test_seeds_in_the_rank_table_are_averaged_per_image(tmp_path):
    for seed, v in enumerate((1.0, 3.0)):
        make_run(
            tmp_path,
            model="a",
            seed=seed,
            checkpoint=f"k{seed}",
            dataset="alphamatting",
            split="trimap1",
            trimap_source="trimap1",
            sad=(v,),
            images=["GT01"],
        )
    make_run(
        tmp_path,
        model="b",
        dataset="alphamatting",
        split="trimap1",
        trimap_source="trimap1",
        sad=(2.5,),
        images=["GT01"],
    )
    (table,) = build_rank_tables(collect_runs(tmp_path))
    assert dict(zip(table.models, table.sad[:, 0], strict=True)) == {"a": 2.0, "b": 2.5}


# ----------------------------------------------------------------------------- LaTeX


ALLOWED_COMMANDS = {
    "documentclass",
    "usepackage",
    "begin",
    "end",
    "centering",
    "scriptsize",
    "tiny",
    "setlength",
    "tabcolsep",
    "caption",
    "label",
    "toprule",
    "midrule",
    "bottomrule",
    "cmidrule",
    "multicolumn",
    "textbf",
    "par",
    "medskip",
    "clearpage",
    "textasciicircum",
    "textasciitilde",
    "textbackslash",
    "textless",
    "textgreater",
    "textbar",
    "textsuperscript",
    "pm",
    "times",
    "downarrow",
    "dagger",
}


def check_latex(tex: str) -> None:
    """A strict structural check standing in for pdflatex: ASCII, known commands, balanced braces, math and
    environments, escaped specials, and the same number of cells in every tabular row."""
    assert tex.isascii(), "non-ASCII characters need inputenc"
    for name in re.findall(r"\\([A-Za-z]+)", tex):
        assert name in ALLOWED_COMMANDS, f"unknown command \\{name}"
    stripped = re.sub(r"\\[{}_%&#$\\]", "", tex)  # drop escaped specials
    assert "%" not in stripped and "#" not in stripped, "unescaped % or #"
    depth = 0
    for ch in stripped:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0, "unbalanced }"
    assert depth == 0, "unbalanced {"
    stack, ncols = [], None
    for line in tex.splitlines():
        for kind, env in re.findall(r"\\(begin|end)\{(\w+)\}", line):
            if kind == "begin":
                stack.append(env)
            else:
                assert stack and stack.pop() == env, (
                    f"\\end{{{env}}} does not close the open environment"
                )
        math_line = re.sub(r"\\\$", "", line)
        assert math_line.count("$") % 2 == 0, f"unbalanced $ in {line!r}"
        text_only = re.sub(r"\$[^$]*\$", "", math_line)
        text_only = re.sub(r"\\label\{[^}]*\}", "", text_only).replace(r"\_", "")
        assert "_" not in text_only, f"unescaped _ in {line!r}"
        if ncols is None and not line.startswith(r"\begin{tabular}"):
            assert "&" not in line.replace(r"\&", ""), f"unescaped & outside a tabular: {line!r}"
        spec = re.match(r"\\begin\{tabular\}\{([lcr]+)\}", line)
        if spec:
            ncols = len(spec.group(1))
        elif line.startswith(r"\end{tabular}"):
            ncols = None
        elif ncols is not None and line.rstrip().endswith(r"\\"):
            body = line.rstrip()[:-2]
            cells = _split_cells(body)
            width = sum(
                int(m.group(1)) if (m := re.match(r"\\multicolumn\{(\d+)\}", c.strip())) else 1
                for c in cells
            )
            assert width == ncols, f"{width} cells for {ncols} columns: {line!r}"
            for rule in re.findall(r"\\cmidrule\(lr\)\{(\d+)-(\d+)\}", line):
                assert 1 <= int(rule[0]) <= int(rule[1]) <= ncols
        for rule in re.findall(r"\\cmidrule\(lr\)\{(\d+)-(\d+)\}", line):
            assert ncols is not None and 1 <= int(rule[0]) <= int(rule[1]) <= ncols
    assert not stack, f"unclosed environments {stack}"


def _split_cells(body: str) -> list[str]:
    cells, depth, cur, i = [], 0, "", 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            cur += body[i : i + 2]
            i += 2
            continue
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "&" and depth == 0:
            cells.append(cur)
            cur = ""
        else:
            cur += ch
        i += 1
    return cells + [cur]


def test_the_structural_checker_catches_broken_latex():
    good = "\\begin{tabular}{lr}\n\\toprule\na & b \\\\\n\\bottomrule\n\\end{tabular}\n"
    check_latex(good)
    for bad in (
        good.replace("a & b", "a & b & c"),
        good.replace("a &", "a_x &"),
        good.replace("b \\\\", "5% \\\\"),
        good.replace("\\end{tabular}", "\\end{table}"),
        good + "{",
        good.replace("a", "\\foo a"),
    ):
        with pytest.raises(AssertionError):
            check_latex(bad)


def _all_tables(tmp_path):
    make_run(tmp_path, model="my_model", sad=(20.0, 22.0), config={"width_50%": "a&b", "same": 1})
    make_run(
        tmp_path,
        model="my_model",
        sad=(20.0, 23.0),
        config={"width_50%": "c", "same": 1},
        checkpoint="c",
    )
    for seed in (0, 1):
        make_run(
            tmp_path, model="timinet", seed=seed, checkpoint=str(seed), sad=(25.0 + seed, 26.0)
        )
    for kind in ("trimap1", "trimap2"):
        for model in ("a", "b"):
            make_run(
                tmp_path,
                model=model,
                dataset="alphamatting",
                split=kind,
                trimap_source=kind,
                sad=tuple(np.linspace(1, 3, 27)),
                images=[f"GT{i:02d}" for i in range(1, 28)],
            )
    return build_leaderboards(tmp_path, include_reported=True)


def test_latex_is_structurally_valid_and_compiles_when_pdflatex_exists(tmp_path):
    tables = _all_tables(tmp_path / "results")
    assert any(
        isinstance(t, type(reported_rank_table())) and t.source == "measured" for t in tables
    )
    doc = latex_document(tables)
    check_latex(doc)
    assert r"my\_model[width\_50\%=a\&b]" in doc and r"my\_model[width\_50\%=c]" in doc
    assert doc.count(r"\begin{table}") == len(tables)
    assert doc.startswith("\\documentclass{article}\n\\usepackage{booktabs}\n")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed: structural check only")
    (tmp_path / "lb.tex").write_text(doc)
    proc = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "lb.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_write_leaderboards_and_cli(tmp_path):
    tables = _all_tables(tmp_path / "results")
    written = write_leaderboards(tables, tmp_path / "out", formats=["csv", "md"])
    assert {p.suffix for p in written} == {".csv", ".md", ".json"}  # + the index
    assert (tmp_path / "out" / "leaderboards.md").read_text().count("### ") == len(tables)
    with pytest.raises(InputError, match="unknown format"):
        write_leaderboards(tables, tmp_path / "out", formats=["html"])
    result = CliRunner().invoke(
        cli,
        [
            "leaderboard",
            "--results",
            str(tmp_path / "results"),
            "--include-reported",
            "--format",
            "csv,latex,md",
            "--out",
            str(tmp_path / "cli"),
        ],
    )
    assert result.exit_code == 0, result.output
    files = sorted(p.name for p in (tmp_path / "cli").iterdir())
    assert "leaderboards.tex" in files and "paper-table2-alphamatting-test.md" in files
    assert len(files) == 3 * len(tables) + 3  # + leaderboards.md, .tex and the .json index
    assert str(tmp_path / "cli" / "leaderboards.tex") in result.output.replace("\n", "")
    assert "TIMI-Net" in result.output and "Average rank" in result.output
    bad = CliRunner().invoke(
        cli, ["leaderboard", "--results", str(tmp_path / "nothing"), "--out", str(tmp_path)]
    )
    assert bad.exit_code == 1 and "results folder not found" in bad.output
