"""Tables: leaderboards per protocol, alphamatting.com rank tables, the paper's reported
numbers, and their CSV / LaTeX / Markdown formats.

* ``leaderboard`` — runs collected from a results folder, one table per protocol;
* ``alphamatting_rank`` — the alphamatting.com-style rank table;
* ``table_format`` — writers (CSV, Markdown, LaTeX, a standalone LaTeX document);
* ``reported`` — Tables 2–6 of the TIMI-Net paper as data, always marked "reported".

Example:
    >>> from benchmark.tables.table_format import latex_escape
    >>> latex_escape("TI^2_E")
    'TI\\\\textasciicircum{}2\\\\_E'
"""
