"""The visual report: one self-contained HTML file (``html``) with bar charts, thumbnails of
inputs, predictions and error maps, for the runs of a results folder.

Example:
    >>> from benchmark.report.html import write_report
    >>> callable(write_report)
    True
"""
