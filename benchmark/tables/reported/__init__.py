"""The numbers printed in the TIMI-Net paper (Tables 2-6), as data, tagged ``"reported"``.

Three files hold them: ``timinet_table2.csv`` (alphamatting.com SAD per test image and trimap
S/L/U, plus the average ranks O/S/L/U), ``timinet_tables3_6.csv`` (SAD/MSE/Grad/Conn on
Composition-1K, Distinctions-646, Human-2K, and the Table 6 generalisation study) and
``tables.json`` (per table: dataset, split, scales, training data, protocol notes and the
ambiguities found while transcribing). Values are kept exactly as printed (``printed``, a
string, so ``38.60`` keeps its precision) and parsed into ``value`` in the printed scale, which
for Tables 3-6 is the DIM scale mattebench stores (SAD/1e3, MSE raw, Grad/1e3, Conn/1e3).
A ``*`` in the paper (not reported) becomes ``value = nan``.

Example:
    >>> tables = load_reported()
    >>> t3 = tables[3]
    >>> t3.dataset, t3.scales["mse"]
    ('comp1k', 'raw')
    >>> [e.printed for e in t3.entries if e.method == "TIMI-Net (Ours)" and e.metric == "sad"]
    ['29.08']
"""

from __future__ import annotations

import csv
import dataclasses
import functools
import json
import math
from importlib import resources

from human2k.errors import InputError

__all__ = ["ReportedEntry", "ReportedTable", "load_reported", "SOURCE"]

#: The tag every paper number carries; measured rows say ``"measured"``.
SOURCE = "reported"


@dataclasses.dataclass(frozen=True)
class ReportedEntry:
    """One printed number.

    Attributes:
        table: paper table number (2-6).
        method: the method as printed (``$`` removed: ``TI^2_E``), reference stripped.
        ref: the paper's reference number for prior work ('' for the authors' rows).
        variant: mattebench's TIMI-Net variant name (DESIGN: basic, +rgb, ...; '' for others).
        setting: Table 6 train/test setting (``C_C``/``H_C``), else ''.
        metric: ``sad``/``mse``/``grad``/``conn``, or ``avg_rank`` (Table 2).
        image: Table 2 test image (``troll``...; ``all`` for average ranks), else ''.
        trimap: Table 2 trimap kind ``S``/``L``/``U`` (``O`` = overall rank), else ''.
        printed: the cell exactly as printed (``*`` = not reported).
        value: ``float(printed)``; NaN for ``*``.
        bold_in_paper: whether the paper printed the cell in bold.
    """

    table: int
    method: str
    ref: str
    variant: str
    setting: str
    metric: str
    image: str
    trimap: str
    printed: str
    value: float
    bold_in_paper: bool
    source: str = SOURCE


@dataclasses.dataclass(frozen=True)
class ReportedTable:
    """One paper table with its metadata (see ``tables.json``)."""

    number: int
    title: str
    caption: str
    dataset: str
    split: str
    region: str
    trimaps: dict[str, str]
    scales: dict[str, str]
    trained_on: dict[str, str]
    protocol_notes: str
    ambiguities: tuple[str, ...]
    entries: tuple[ReportedEntry, ...]

    def training_data(self, setting: str = "") -> str:
        """The training-data tag of a row (Table 6 differs per setting)."""
        return self.trained_on.get(setting, self.trained_on.get("", ""))

    def methods(self) -> list[tuple[str, str]]:
        """(method, setting) pairs in the paper's row order."""
        seen: dict[tuple[str, str], None] = {}
        for e in self.entries:
            seen.setdefault((e.method, e.setting), None)
        return list(seen)


def _parse_value(printed: str, where: str) -> float:
    if printed == "*":
        return math.nan
    try:
        return float(printed)
    except ValueError:
        raise InputError(where, f"reported value {printed!r} is not a number or '*'") from None


def _read_csv(name: str) -> list[ReportedEntry]:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    out = []
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        out.append(
            ReportedEntry(
                table=int(row["table"]),
                method=row["method"],
                ref=row["ref"],
                variant=row["variant"],
                setting=row.get("setting", ""),
                metric=row["metric"],
                image=row.get("image", ""),
                trimap=row.get("trimap", ""),
                printed=row["printed"],
                value=_parse_value(row["printed"], f"{name}:{i}"),
                bold_in_paper=row["bold_in_paper"] == "1",
            )
        )
    return out


@functools.cache
def load_reported() -> dict[int, ReportedTable]:
    """Load paper Tables 2-6, keyed by table number.

    Returns:
        ``{2: ReportedTable, ..., 6: ReportedTable}``; every entry has ``source == "reported"``.
    """
    meta = json.loads(resources.files(__name__).joinpath("tables.json").read_text(encoding="utf-8"))
    entries = _read_csv("timinet_table2.csv") + _read_csv("timinet_tables3_6.csv")
    tables = {}
    for key, m in meta["tables"].items():
        number = int(key)
        tables[number] = ReportedTable(
            number=number,
            title=m["title"],
            caption=m["caption"],
            dataset=m["dataset"],
            split=m["split"],
            region=m["region"],
            trimaps=dict(m["trimaps"]),
            scales=dict(m["scales"]),
            trained_on=dict(m["trained_on"]),
            protocol_notes=m["protocol_notes"],
            ambiguities=tuple(m["ambiguities"]),
            entries=tuple(e for e in entries if e.table == number),
        )
    return tables
