"""Rendering of leaderboard tables: CSV, GitHub Markdown and booktabs LaTeX.

The writers take any table object with a ``display()`` method returning a :class:`Display`
(format-neutral cells, headers, caption and notes), such as
:class:`benchmark.tables.leaderboard.Table` and :class:`benchmark.tables.alphamatting_rank.RankTable`;
:func:`to_csv` needs ``csv_rows()`` instead. Bold marks a cell the table flagged as best.

Example:
    >>> from types import SimpleNamespace
    >>> d = Display("comp1k test", "SAD divided by 1000; region: unknown.",
    ...             [("Model", ""), ("SAD", "(/1e3, unknown)")], "lr",
    ...             [[[Cell("knn"), Cell("12.5", bold=True)], [Cell("lkm"), Cell("20.1")]]])
    >>> print(to_markdown(SimpleNamespace(display=lambda: d)), end="")
    ### comp1k test
    <BLANKLINE>
    | Model | SAD (/1e3, unknown) |
    |:---|---:|
    | knn | **12.5** |
    | lkm | 20.1 |
    <BLANKLINE>
    SAD divided by 1000; region: unknown.
    >>> latex_escape("knn_5%")
    'knn\\\\_5\\\\%'
"""

from __future__ import annotations

import csv
import dataclasses
import io
import math
import re
from collections.abc import Sequence
from typing import Any, Protocol

__all__ = [
    "Cell",
    "Display",
    "to_csv",
    "to_markdown",
    "to_latex",
    "latex_document",
    "latex_escape",
    "column_parts",
    "decimals",
    "TableLike",
]


class TableLike(Protocol):
    """What the writers need: a ``display()`` (and, for CSV, ``csv_rows()``) and a ``slug``."""

    slug: str

    def display(self) -> Display: ...

    def csv_rows(self) -> tuple[list[str], list[list[Any]]]: ...


@dataclasses.dataclass
class Cell:
    """A displayed cell: text and whether it is the best of its column."""

    text: str
    bold: bool = False


@dataclasses.dataclass
class Display:
    """Format-neutral layout that the LaTeX and Markdown writers render.

    Attributes:
        title: one line naming the table.
        caption: scales, region and protocol, in words.
        columns: header per column as (line 1, line 2); Markdown joins them with a space.
        align: one of ``l``/``r`` per column.
        blocks: groups of rows separated by a rule (measured, reported).
        groups: optional top header row as (text, span) pairs covering every column.
        fixed: leading columns repeated in each part when LaTeX splits a wide table.
        notes: lines printed under the table.
        label: LaTeX label suffix.
        latex_max_columns: non-fixed columns per LaTeX part.
    """

    title: str
    caption: str
    columns: list[tuple[str, str]]
    align: str
    blocks: list[list[list[Cell]]]
    groups: list[tuple[str, int]] | None = None
    fixed: int = 1
    notes: list[str] = dataclasses.field(default_factory=list)
    label: str = ""
    latex_max_columns: int = 14


def to_csv(table: TableLike) -> str:
    """CSV text of a table (full precision; headers state scale and region)."""
    header, rows = table.csv_rows()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(text: str) -> str:
    """Markdown-safe text: every character that could start markup (``* _ [ ] < > | # `` ` ``
    and the backslash) is backslash-escaped and line breaks become spaces, so a model or
    dataset name can neither break the table nor inject a link, emphasis or HTML.

    Example:
        >>> print(md_escape("knn_v2 <b>|x</b>"))
        knn\\_v2 \\<b\\>\\|x\\</b\\>
    """
    return _MD_SPECIAL.sub(r"\\\1", re.sub(r"[\r\n]+", " ", str(text)))


def to_markdown(table: TableLike) -> str:
    """GitHub Markdown: title, pipe table (best values in ``**bold**``), caption and notes."""
    d: Display = table.display()
    lines = [f"### {md_escape(d.title)}", ""]
    header = [" ".join(x for x in col if x) for col in d.columns]
    if d.groups:
        header = [
            f"{g} {h}".strip() if g else h
            for g, h in zip(_expand_groups(d.groups), header, strict=True)
        ]
    lines.append("| " + " | ".join(md_escape(h) for h in header) + " |")
    lines.append("|" + "|".join(":---" if a == "l" else "---:" for a in d.align) + "|")
    for block in d.blocks:
        for row in block:
            cells = [f"**{md_escape(c.text)}**" if c.bold else md_escape(c.text) for c in row]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", md_escape(d.caption)]
    lines += [f"- {md_escape(n)}" for n in d.notes]
    return "\n".join(lines) + "\n"


def _expand_groups(groups: list[tuple[str, int]]) -> list[str]:
    out = []
    for text, span in groups:
        out += [text] * span
    return out


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "_": r"\_",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "$": r"\$",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "±": r"$\pm$",
    "×": r"$\times$",
    "²": r"\textsuperscript{2}",
    "↓": r"$\downarrow$",
    "†": r"$^\dagger$",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}


def latex_escape(text: str) -> str:
    """Escape TeX specials; non-ASCII characters other than ± × ² ↓ † become ``?``.

    Example:
        >>> latex_escape("a_b 5% ± x")
        'a\\\\_b 5\\\\% $\\\\pm$ x'
    """
    out = []
    for ch in text:
        if ch in _LATEX_SPECIAL:
            out.append(_LATEX_SPECIAL[ch])
        elif ord(ch) < 128:
            out.append(ch)
        else:
            out.append("?")
    return "".join(out)


def _latex_header_text(text: str) -> str:
    return latex_escape(text).replace("x1e3", r"$\times 10^{3}$").replace("/1e3", r"$/10^{3}$")


def column_parts(d: Display, max_columns: int) -> list[list[int]]:
    """Column indices per part of a wide table: fixed columns + whole header groups up to MAX_COLUMNS."""
    n = len(d.columns)
    fixed = list(range(d.fixed))
    rest = list(range(d.fixed, n))
    if len(rest) <= max_columns:
        return [fixed + rest]
    spans = []
    if d.groups:
        pos = 0
        for _, span in d.groups:
            if pos >= d.fixed:
                spans.append(list(range(pos, pos + span)))
            pos += span
    else:
        spans = [[i] for i in rest]
    chunks, cur = [], []
    for span in spans:
        if cur and len(cur) + len(span) > max_columns:
            chunks.append(fixed + cur)
            cur = []
        cur += span
    if cur:
        chunks.append(fixed + cur)
    return chunks


def to_latex(table: TableLike, *, max_columns: int | None = None) -> str:
    """A booktabs ``table`` float; wide tables are split into stacked parts of MAX_COLUMNS.

    Needs only ``\\usepackage{booktabs}`` in a standard ``article``.
    """
    d: Display = table.display()
    max_columns = max_columns or d.latex_max_columns
    out = [
        "\\begin{table}[htbp]",
        "\\centering",
        "\\scriptsize",
        "\\setlength{\\tabcolsep}{3pt}",
        f"\\caption{{{latex_escape(d.caption)}}}",
        f"\\label{{tab:{latex_escape(d.label)}}}",
    ]
    for k, cols in enumerate(column_parts(d, max_columns)):
        if k:
            out.append("\\medskip")
        out.append("\\begin{tabular}{" + "".join(d.align[c] for c in cols) + "}")
        out.append("\\toprule")
        if d.groups:
            out.append(_latex_group_row(d, cols))
        out.append(" & ".join(_latex_header_text(d.columns[c][0]) for c in cols) + " \\\\")
        if any(d.columns[c][1] for c in cols):
            out.append(" & ".join(_latex_header_text(d.columns[c][1]) for c in cols) + " \\\\")
        for block in d.blocks:
            out.append("\\midrule")
            for row in block:
                cells = [latex_escape(row[c].text) for c in cols]
                cells = [
                    f"\\textbf{{{t}}}" if row[c].bold else t
                    for c, t in zip(cols, cells, strict=True)
                ]
                out.append(" & ".join(cells) + " \\\\")
        out.append("\\bottomrule")
        out.append("\\end{tabular}")
        out.append("\\par")
    for note in d.notes:
        out.append(f"\\par {{\\tiny {latex_escape(note)}}}")
    out.append("\\end{table}")
    return "\n".join(out) + "\n"


def _latex_group_row(d: Display, cols: list[int]) -> str:
    labels = _expand_groups(d.groups)
    parts, rules, i = [], [], 0
    while i < len(cols):
        j = i
        while (
            j + 1 < len(cols)
            and labels[cols[j + 1]] == labels[cols[i]]
            and cols[j + 1] == cols[j] + 1
        ):
            j += 1
        span = j - i + 1
        text = latex_escape(labels[cols[i]])
        parts.append(f"\\multicolumn{{{span}}}{{c}}{{{text}}}" if span > 1 else text)
        if text:
            rules.append(f"\\cmidrule(lr){{{i + 1}-{j + 1}}}")
        i = j + 1
    return " & ".join(parts) + " \\\\" + ("\n" + "".join(rules) if rules else "")


def latex_document(tables: Sequence[TableLike]) -> str:
    """A complete ``article`` holding every table (compiles with pdflatex: booktabs, geometry)."""
    body = []
    for i, t in enumerate(tables):
        if i and i % 3 == 0:
            body.append("\\clearpage")
        # landscape pages are ~1.4x wider: fewer stacked parts, so tall rank tables fit
        body.append(to_latex(t, max_columns=int(t.display().latex_max_columns * 1.5)))
    # landscape A4 with narrow margins: leaderboards are wide (the per-table .tex snippets,
    # meant for papers, need only booktabs)
    return (
        "\\documentclass{article}\n\\usepackage{booktabs}\n"
        "\\usepackage[a4paper,landscape,margin=1.5cm]{geometry}\n\\begin{document}\n"
        + "\n".join(body)
        + "\\end{document}\n"
    )


def decimals(values: Sequence[float]) -> int:
    """Decimals that give the smallest value in a column three significant digits (2..5).

    Example:
        >>> decimals([12.3, 0.0123]), decimals([])
        (4, 2)
    """
    nonzero = [abs(v) for v in values if not math.isnan(v) and v != 0]
    if not nonzero:
        return 2
    return int(min(5, max(2, 2 - math.floor(math.log10(min(nonzero))))))
