"""The Human-2K builder: ingest human photos + alpha mattes, validate, split 2000/100, keep provenance.

:func:`build_human2k` checks every pair before writing anything:

* pairing by file stem (``a.jpg`` ↔ ``a.png``); an unpaired or doubly named file is an error;
* decodable files (truncated images are named), image mode RGB/RGBA/L/P/CMYK, alpha single
  band (or R=G=B) 8-bit, image and alpha of the same size;
* alpha range: not all 0 (no person) and not all 255 (nothing to composite); a matte with no
  value strictly between 0 and 255 is accepted with a warning (a hard mask, not a matte);
* near-duplicates: a 64-bit difference hash (grey 9×8 thumbnail, horizontal gradients) per
  image; two images within ``dup_distance`` bits are named together.

Then it writes the layout ``composite human2k`` reads::

    OUT/train/fg/<name>, OUT/train/alpha/<stem>.png, OUT/train/fg_names.txt   (Adobe order)
    OUT/test/...                                                             likewise
    OUT/provenance.csv      name, split, source, license, author, url, human, width, height, sha256, dhash
    OUT/split.json          seed, rule and the two name lists

Provenance comes from ``provenance.csv`` / ``provenance.json`` next to the images (or the file
given), matched by name or stem; missing entries are ``unknown``. The split is seeded
(``n_test = round(n·100/2100)`` by default, i.e. 2000/100 for 2,100 images) or read from a list.

Example:
    >>> import tempfile
    >>> from human2k.synthetic import write_human2k_raw
    >>> raw = write_human2k_raw(tempfile.mkdtemp(), 6, 0, size=(48, 36))
    >>> r = build_human2k(raw.images, raw.alphas, tempfile.mkdtemp(), seed=0)
    >>> len(r.train), len(r.test), r.provenance_known
    (5, 1, 6)
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from human2k.build_inputs import (
    PROVENANCE_FIELDS,
    dhash,
    load_provenance,
    pair_by_stem,
    read_split_list,
)
from human2k.errors import InputError
from human2k.images import atomic_write_bytes, open_image, read_alpha, write_png
from human2k.manifest import sha256_bytes
from human2k.names import adobe_sort
from human2k.outputs import prepare_output_dir
from human2k.paths import check_not_overlapping

__all__ = ["BuildReport", "build_human2k"]

_IMAGE_MODES = ("RGB", "RGBA", "L", "P", "CMYK")


@dataclass
class BuildReport:
    """What :func:`build_human2k` wrote."""

    out: Path
    seed: int
    train: list[str]
    test: list[str]
    split_rule: str
    warnings: list[str] = field(default_factory=list)
    provenance_known: int = 0


def _previous_build(out: Path) -> list[str]:
    """The files an earlier build wrote to OUT, from its ``provenance.csv`` (for ``overwrite``)."""
    files = ["provenance.csv", "split.json", "train/fg_names.txt", "test/fg_names.txt"]
    try:
        with open(out / "provenance.csv", newline="", encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                name, split = row["name"], row["split"]
                files += [f"{split}/fg/{name}", f"{split}/alpha/{os.path.splitext(name)[0]}.png"]
    except (OSError, KeyError, UnicodeDecodeError, csv.Error):
        pass
    return files


def build_human2k(
    images: str | os.PathLike,
    alphas: str | os.PathLike,
    out: str | os.PathLike,
    *,
    split_list: str | os.PathLike | None = None,
    seed: int = 0,
    n_test: int | None = None,
    provenance: str | os.PathLike | None = None,
    dup_distance: int = 4,
    progress=None,
    overwrite: bool = False,
) -> BuildReport:
    """Validate IMAGES + ALPHAS, split them and write the Human-2K layout to OUT.

    Args:
        images: folder of human photos.
        alphas: folder of alpha mattes (same stems).
        out: output folder (the ``--root`` of ``composite human2k``).
        split_list: a split file (see :func:`read_split_list`); overrides SEED / N_TEST.
        seed: seed of the random split.
        n_test: test images (default ``round(n·100/2100)``, at least 1 when n ≥ 2).
        provenance: provenance CSV/JSON (default: ``provenance.csv``/``.json`` in IMAGES).
        dup_distance: dHash bits within which two images are near-duplicates (-1: no check).
        progress: ``progress("human2k build", done, total)`` (``human2k.progress``).
        overwrite: replace what OUT holds: the files an earlier build recorded there
            (``provenance.csv``, lists, ``split.json``) are removed once the new inputs have
            passed every check, so no image of an old split stays behind.

    Raises:
        InputError: naming the first unusable file (or the pair of near-duplicates).
        OverlapError: OUT is, contains or lies inside an input. OutputExistsError: OUT holds
            files and ``overwrite`` is off (checked before any work; nothing is written).
    """
    images, alphas, out = Path(images), Path(alphas), Path(out)
    inputs = {"the images folder": images, "the alphas folder": alphas}
    inputs.update({"the split list": split_list, "the provenance file": provenance})
    check_not_overlapping(out, inputs)
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        prepare_output_dir(out, overwrite=False)  # raises, naming what OUT holds
    pairs = pair_by_stem(images, alphas)
    n = len(pairs)
    warnings: list[str] = []
    info: dict[str, dict[str, Any]] = {}
    hashes: list[int] = []
    for i, (stem, ip, ap) in enumerate(pairs):
        im = open_image(ip)
        if im.mode not in _IMAGE_MODES:
            raise InputError(
                ip, f"image mode {im.mode!r}; expected one of {', '.join(_IMAGE_MODES)} (8-bit)"
            )
        a = read_alpha(ap)
        if a.shape != (im.height, im.width):
            raise InputError(
                ap,
                f"alpha is {a.shape[1]}x{a.shape[0]} but image {ip.name} is {im.width}x{im.height}",
            )
        lo, hi = int(a.min()), int(a.max())
        if hi == 0:
            raise InputError(ap, "alpha is 0 everywhere (no foreground)")
        if lo == 255:
            raise InputError(ap, "alpha is 255 everywhere (no background: nothing to composite)")
        if not ((a > 0) & (a < 255)).any():
            warnings.append(f"{ap}: alpha has only 0 and 255 (a hard mask, not a matte)")
        hashes.append(dhash(im))
        info[stem] = {
            "image": ip,
            "alpha": ap,
            "width": im.width,
            "height": im.height,
            "dhash": f"{hashes[-1]:016x}",
        }
        if progress is not None:
            progress("human2k build", i + 1, 2 * n)
    if dup_distance >= 0 and n > 1:
        h = np.array(hashes, dtype=np.uint64)
        x = h[:, None] ^ h[None, :]
        dist = np.unpackbits(x.view(np.uint8).reshape(n, n, 8), axis=2).sum(axis=2)
        ii, jj = np.nonzero(np.triu(dist <= dup_distance, k=1))
        if ii.size:
            a_, b_ = pairs[int(ii[0])][1], pairs[int(jj[0])][1]
            raise InputError(
                a_,
                f"near-duplicate of {b_} (dHash distance {int(dist[ii[0], jj[0]])} <= {dup_distance}; "
                f"{ii.size} such pair(s); a duplicate distance of -1 skips this check)",
                param="dup_distance",
            )
    stems = [p[0] for p in pairs]
    if split_list is not None:
        train, test = read_split_list(split_list, stems)
        rule = f"list {Path(split_list).name} (sha256 {sha256_bytes(Path(split_list).read_bytes())[:16]})"
    else:
        k = n_test if n_test is not None else max(1 if n >= 2 else 0, round(n * 100 / 2100))
        if not 0 <= k < n:
            raise InputError(
                None, f"test size {k} must be between 0 and {n - 1} for {n} images", param="n_test"
            )
        perm = np.random.default_rng(seed).permutation(n)
        test = sorted(stems[j] for j in perm[:k])
        train = sorted(stems[j] for j in perm[k:])
        rule = f"numpy default_rng({seed}).permutation(n) over sorted stems; first {k} are test"
    prov_path = (
        Path(provenance)
        if provenance
        else next(
            (
                p
                for p in (
                    images / "provenance.csv",
                    images / "provenance.json",
                    images.parent / "provenance.csv",
                )
                if p.is_file()
            ),
            None,
        )
    )
    prov = load_provenance(prov_path)
    prepare_output_dir(out, overwrite=overwrite, previous=_previous_build)
    rows = []
    known = 0
    for split, names in (("train", train), ("test", test)):
        fg_names = []
        for stem in names:
            d = info[stem]
            ip: Path = d["image"]
            data = ip.read_bytes()
            if len(ip.suffix) == 4:  # Adobe's stem rule strips 4 characters: keep .jpg/.png as is
                fg_name = ip.name
                atomic_write_bytes(out / split / "fg" / fg_name, data)
            else:
                fg_name = stem + ".png"
                buf = io.BytesIO()
                open_image(ip).save(buf, format="PNG")
                atomic_write_bytes(out / split / "fg" / fg_name, buf.getvalue())
            write_png(out / split / "alpha" / f"{stem}.png", read_alpha(d["alpha"]))
            fg_names.append(fg_name)
            p = prov.get(ip.name) or prov.get(stem) or {}
            known += bool(p)
            rows.append(
                {
                    "name": fg_name,
                    "split": split,
                    **{
                        f: p.get(f, "") or ("unknown" if f in ("source", "license") else "")
                        for f in PROVENANCE_FIELDS
                    },
                    "width": d["width"],
                    "height": d["height"],
                    "sha256": sha256_bytes(data),
                    "dhash": d["dhash"],
                }
            )
            # left empty when no provenance says so: Table 1's H then prints "n/a" rather than
            # counting every image as a person
            if progress is not None:
                progress("human2k build", n + len(rows), 2 * n)
        atomic_write_bytes(
            out / split / "fg_names.txt", "\n".join(adobe_sort(fg_names)).encode("utf-8")
        )
    buf = io.StringIO()
    w = csv.DictWriter(
        buf,
        fieldnames=["name", "split", *PROVENANCE_FIELDS, "width", "height", "sha256", "dhash"],
        lineterminator="\n",
    )
    w.writeheader()
    w.writerows(rows)
    atomic_write_bytes(out / "provenance.csv", buf.getvalue().encode("utf-8"))
    split_doc = {
        "seed": seed,
        "rule": rule,
        "provenance_source": str(prov_path) if prov_path else "unknown",
        "warnings": warnings,
        "train": train,
        "test": test,
    }
    atomic_write_bytes(out / "split.json", json.dumps(split_doc, indent=1).encode("utf-8"))
    return BuildReport(out, seed, train, test, rule, warnings, known)
