"""``benchmark/models/published_comp1k.csv``: one row per published Composition-1K result, sourced.

SAD, Grad and Conn are in the papers' scale (DIM convention: ÷1000); ``mse × mse_scale`` is the raw
MSE (ViTMatte prints MSE ×10⁻³).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

CSV = Path(__file__).resolve().parents[3] / "benchmark" / "models" / "published_comp1k.csv"
COLUMNS = [
    "model",
    "variant",
    "sad",
    "mse",
    "grad",
    "conn",
    "mse_scale",
    "source",
    "where",
    "verified",
]


@pytest.fixture(scope="module")
def rows() -> list[dict[str, str]]:
    with CSV.open(newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def _metrics(rows, model, variant_prefix):
    (row,) = [r for r in rows if r["model"] == model and r["variant"].startswith(variant_prefix)]
    return tuple(row[m] for m in ("sad", "mse", "grad", "conn"))


def test_every_row_is_sourced_and_in_the_dim_scale(rows):
    assert {r["model"] for r in rows} == {"indexnet", "dim", "vitmatte"}
    for row in rows:
        assert row["source"] and row["where"] and row["verified"], row["variant"]
        raw_mse = float(row["mse"]) * float(row["mse_scale"])
        assert 0.001 < raw_mse < 0.05, row["variant"]
        assert 10 < float(row["sad"]) < 100 and float(row["grad"]) < float(row["sad"])


def test_the_numbers_as_printed(rows):
    assert _metrics(rows, "indexnet", "released") == ("45.8", "0.013", "25.9", "43.7")
    assert _metrics(rows, "dim", "paper encoder-decoder") == ("54.6", "0.017", "36.7", "55.3")
    assert _metrics(rows, "dim", "paper full") == ("50.4", "0.014", "31.0", "50.8")
    assert _metrics(rows, "dim", "mmagic dim_stage3") == ("50.6", "0.015", "29.0", "50.7")
    assert _metrics(rows, "vitmatte", "ViTMatte-S") == ("21.46", "3.3", "7.24", "16.21")
    assert _metrics(rows, "vitmatte", "ViTMatte-B") == ("20.33", "3.0", "6.74", "14.78")
