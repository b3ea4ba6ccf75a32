"""The paper's Tables 2-6 as data: counts, scales, and every cell against the paper's markdown."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from benchmark.tables.reported import SOURCE, load_reported

PAPER = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "timinet_paper.md"


def test_tables_and_row_counts():
    tables = load_reported()
    assert sorted(tables) == [2, 3, 4, 5, 6]
    assert len(tables[2].methods()) == 10
    assert len(tables[2].entries) == 10 * (4 + 8 * 3)  # avg ranks O/S/L/U + 8 images x S/L/U
    assert [len(tables[n].methods()) for n in (3, 4, 5, 6)] == [16, 10, 10, 6]
    assert all(len(tables[n].entries) == 4 * len(tables[n].methods()) for n in (3, 4, 5, 6))
    assert {e.source for t in tables.values() for e in t.entries} == {SOURCE}


def test_datasets_scales_and_training_tags():
    t = load_reported()
    assert [t[n].dataset for n in (2, 3, 4, 5, 6)] == [
        "alphamatting-test",
        "comp1k",
        "d646",
        "human2k",
        "comp1k-human",
    ]
    for n in (3, 4, 5, 6):
        assert t[n].scales == {"sad": "/1e3", "mse": "raw", "grad": "/1e3", "conn": "/1e3"}
    assert (
        t[6].training_data("C_C") == "train:comp1k" and t[6].training_data("H_C") == "train:human2k"
    )
    assert t[3].training_data() == "train:comp1k"
    assert all(t[n].ambiguities for n in t)


def _cell(t, method, metric, *, setting="", image="", trimap=""):
    (e,) = [
        e
        for e in t.entries
        if e.method == method
        and e.metric == metric
        and e.setting == setting
        and e.image == image
        and e.trimap == trimap
    ]
    return e


def test_spot_cells_typed_from_the_pdf_layout():
    t = load_reported()
    assert _cell(t[3], "TIMI-Net (Ours)", "sad").printed == "29.08"
    assert _cell(t[3], "TIMI-Net (Ours)", "mse").value == pytest.approx(0.006)
    assert _cell(t[3], "TIMI-Net (Ours)", "mse").bold_in_paper
    assert _cell(t[3], "Basic", "sad").printed == "38.60"  # trailing zero kept
    assert (
        math.isnan(_cell(t[3], "SampleNet", "grad").value)
        and _cell(t[3], "SampleNet", "grad").printed == "*"
    )
    assert _cell(t[3], "TI^2_E", "conn").value == 27.29
    assert _cell(t[4], "DIM", "grad").value == 39.08
    assert _cell(t[4], "TI^2_D", "mse").printed == "0.0131"
    assert _cell(t[5], "GCA", "conn").printed == "4.0"
    assert _cell(t[6], "IndexNet", "mse", setting="H_C").printed == "0.0070"
    assert _cell(t[6], "Our", "sad", setting="C_C").value == 8.11
    assert _cell(t[2], "Ours", "sad", image="troll", trimap="S").value == 8.3
    assert _cell(t[2], "HDMatt", "sad", image="troll", trimap="L").printed == "10"
    assert _cell(t[2], "Context-Aware", "avg_rank", image="all", trimap="O").value == 21.0
    assert _cell(t[2], "AdaMatting", "sad", image="net", trimap="L").bold_in_paper


def _parse_paper_tables(text: str) -> dict[int, list[list[str]]]:
    """Tab-separated table lines of the paper, grouped into the tables whose captions follow them."""
    blocks, cur = [], []
    for line in text.splitlines():
        if "\t" in line:
            cur.append(line.split("\t"))
        else:
            if cur:
                blocks.append(cur)
            cur = []
            m = re.match(r"^Table (\d):", line)
            if m and blocks and not isinstance(blocks[-1], tuple):
                blocks[-1] = (int(m.group(1)), blocks[-1])
    return {n: rows for n, rows in (b for b in blocks if isinstance(b, tuple))}


@pytest.mark.realdata
def test_every_cell_matches_the_paper_markdown():
    if not PAPER.is_file():
        pytest.skip(f"paper markdown not found at {PAPER}")
    tables = _parse_paper_tables(PAPER.read_text(encoding="utf-8"))
    assert sorted(tables) == [1, 2, 3, 4, 5, 6]
    reported = load_reported()
    checked = 0
    # Tables 3-6: header row, then Method [ref] (setting) SAD MSE Grad Conn
    for n in (3, 4, 5, 6):
        method = None
        for row in tables[n][1:]:
            if row[0].strip():
                method = re.sub(r"\s*\[\d+\]$", "", row[0].strip()).replace("$", "")
            setting, values = (row[1].strip(), row[2:]) if n == 6 else ("", row[1:])
            for metric, raw in zip(("sad", "mse", "grad", "conn"), values, strict=True):
                e = _cell(reported[n], method, metric, setting=setting)
                assert e.printed == re.sub(r"</?b>", "", raw.strip()), (n, method, metric)
                assert e.bold_in_paper == raw.strip().startswith("<b>"), (n, method, metric)
                checked += 1
    # Table 2: two header rows, then method, O S L U, then 8 images x S L U
    images = ["troll", "doll", "donkey", "elephant", "plant", "pineapple", "plasticbag", "net"]
    for row in tables[2][2:]:
        method = re.sub(r"\s*\[\d+\]$", "", row[0].strip())
        cells = [re.sub(r"</?b>", "", c.strip()) for c in row[1:]]
        for k, kind in enumerate("OSLU"):
            assert (
                _cell(reported[2], method, "avg_rank", image="all", trimap=kind).printed == cells[k]
            )
        for i, image in enumerate(images):
            for k, kind in enumerate("SLU"):
                assert (
                    _cell(reported[2], method, "sad", image=image, trimap=kind).printed
                    == cells[4 + 3 * i + k]
                )
                checked += 1
    assert checked == 168 + 240
