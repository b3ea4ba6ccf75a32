"""Say what is missing to composite a dataset and where to obtain it: :func:`check_dataset`.

Example:
    >>> check_dataset("d646", root="/nonexistent", split="test").ok
    False
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from human2k.composite_plan import plan_composite
from human2k.errors import MattebenchError
from human2k.specs import get_spec

__all__ = ["CheckReport", "check_dataset"]


@dataclass
class CheckReport:
    """Result of :func:`check_dataset`: the missing items and report lines as ``(kind, text)``,
    kind being ``ok``, ``missing`` or ``info`` (the CLI colours them)."""

    dataset: str
    missing: list[str] = field(default_factory=list)
    lines: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing


def check_dataset(
    dataset: str,
    *,
    root: str | os.PathLike,
    coco_root: str | os.PathLike | None = None,
    voc_root: str | os.PathLike | None = None,
    split: str = "all",
    bg_per_fg: int | None = None,
) -> CheckReport:
    """Say what is missing to composite DATASET and where each part is officially obtained.

    ``bg_per_fg`` checks a proxy or synthetic tree built with another ratio (as ``composite``).

    Example:
        >>> r = check_dataset("comp1k", root="/nonexistent", split="test")
        >>> r.ok, r.missing[0]
        (False, '/nonexistent: dataset root not found')
    """
    spec = get_spec(dataset)
    report = CheckReport(dataset)
    for s in {"all": ["train", "test"]}.get(split, [split]):
        try:
            plan = plan_composite(
                dataset,
                root=root,
                coco_root=coco_root,
                voc_root=voc_root,
                split=s,
                bg_per_fg=bg_per_fg,
                strict=False,
            )
        except MattebenchError as exc:
            report.missing.append(str(exc))
            continue
        sp = plan.splits[0]
        report.lines.append(
            (
                "ok",
                f"{s}: {len(sp.tasks)} foregrounds x {sp.n_bg} backgrounds resolved from {sp.fg_list}",
            )
        )
        for path, why in plan.missing:
            report.missing.append(f"{path}: missing ({why})")
    report.missing = list(dict.fromkeys(report.missing))  # both splits report a missing root once
    if report.missing:
        shown = report.missing[:20]
        report.lines += [("missing", f"missing {m}") for m in shown]
        if len(report.missing) > len(shown):
            report.lines.append(("missing", f"... and {len(report.missing) - len(shown)} more"))
        report.lines.append(("info", f"{spec.title} is obtained from: {spec.obtain}"))
        for key, where in spec.backgrounds.items():
            report.lines.append(("info", f"  backgrounds ({key}): {where}"))
        report.lines += [("info", f"  note: {n}") for n in spec.notes]
    else:
        report.lines.append(("ok", f"{dataset}: everything the name lists need is present"))
    return report
