"""``benchmark/tables/reported/baselines_comp1k.csv``: one row per published Composition-1K result
of a learned baseline, sourced, as printed; and the rows it gives the leaderboards.

SAD, Grad and Conn are in the papers' scale (DIM convention: ÷1000); ``mse × mse_scale`` is the raw
MSE (ViTMatte prints MSE ×10⁻³). The printed values below were checked against the source text
named in each row's ``where`` column (the repositories' READMEs, read from the repositories).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmark.models.registry import list_models
from benchmark.tables.baseline_rows import add_baseline_reported, baseline_rows
from benchmark.tables.leaderboard import build_tables, to_markdown

CSV = (
    Path(__file__).resolve().parents[2]
    / "benchmark"
    / "tables"
    / "reported"
    / "baselines_comp1k.csv"
)
COLUMNS = ["model", "variant", "sad", "mse", "grad", "conn", "mse_scale", "protocol", "source"]
COLUMNS += ["where", "verified"]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _metrics(rows, model, variant_prefix):
    (row,) = [r for r in rows if r["model"] == model and r["variant"].startswith(variant_prefix)]
    return tuple(row[m] for m in ("sad", "mse", "grad", "conn"))


def test_every_row_is_sourced_registered_and_in_the_dim_scale(rows):
    assert {r["model"] for r in rows} == {"gca", "indexnet", "dim", "vitmatte_s", "vitmatte_b"}
    assert {r["model"] for r in rows} <= set(list_models())
    for row in rows:
        assert row["source"] and row["where"] and row["verified"] and row["protocol"], row
        raw_mse = float(row["mse"]) * float(row["mse_scale"])
        assert 0.001 < raw_mse < 0.05, row["variant"]
        assert 10 < float(row["sad"]) < 100 and float(row["grad"]) < float(row["sad"])


def test_the_numbers_as_printed(rows):
    assert _metrics(rows, "gca", "gca-dist") == ("35.28", "0.0091", "16.92", "32.53")
    assert _metrics(rows, "indexnet", "released") == ("45.8", "0.013", "25.9", "43.7")
    assert _metrics(rows, "dim", "paper encoder-decoder") == ("54.6", "0.017", "36.7", "55.3")
    assert _metrics(rows, "dim", "paper full") == ("50.4", "0.014", "31.0", "50.8")
    assert _metrics(rows, "dim", "mmagic dim_stage3") == ("50.6", "0.015", "29.0", "50.7")
    assert _metrics(rows, "vitmatte_s", "ViTMatte-S") == ("21.46", "3.3", "7.24", "16.21")
    assert _metrics(rows, "vitmatte_b", "ViTMatte-B") == ("20.33", "3.0", "6.74", "14.78")


def test_rows_keep_the_printed_precision_in_display_scales():
    by_model = {r.model.split(":")[0]: r for r in baseline_rows()}
    gca, vit = by_model["gca"], by_model["vitmatte_s"]
    assert gca.source == vit.source == "reported" and gca.training_data == "train:comp1k"
    assert gca.printed == {"sad": "35.28", "mse": "9.1", "grad": "16.92", "conn": "32.53"}
    assert vit.printed["mse"] == "3.3" and vit.mean["mse"] == pytest.approx(3.3)
    assert gca.mean["sad"] == pytest.approx(35.28)


def test_they_get_a_table_of_their_own_without_a_measured_comp1k_table():
    (own,) = add_baseline_reported([])
    assert own.slug == "reported-baselines-comp1k" and len(own.rows) == 9
    md = to_markdown(own)
    # Markdown escapes brackets (reliability: names are escaped)
    assert "| gca: gca-dist.pth (released Composition-1K model) \\[GCA-Matting README\\] |" in md
    assert "Yaoyi-Li/GCA-Matting README" in md and "truncated" in md
    assert build_tables([], include_reported=True)[-1].slug == "reported-baselines-comp1k"
