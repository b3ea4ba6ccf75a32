"""Find the (image, alpha, trimap) triplets of a scoring dataset folder.

Two layouts are recognised:

* **composite** (``mattebench composite`` output, Comp-1K convention)::

      DIR/merged/{fg}_{k}.png   DIR/alpha/{fg}.png or {fg}_{k}.png   DIR/trimaps/{fg}_{k}.png

  The GT alpha of ``merged/{fg}_{k}.png`` is ``alpha/{fg}_{k}.png`` when that exists, else the
  shared ``alpha/{fg}.png`` (one matte per foreground, as Adobe ships it). Trimaps follow the
  same rule. The dataset name comes from a ``manifest.json`` in DIR or its parent (key
  ``dataset``), else from the parent folder's name; the split is DIR's name.
* **alphamatting** (alphamatting.com training set, ../shared/data/alphamatting)::

      DIR/image/GT01.png   DIR/alpha/GT01.png   DIR/trimap1/GT01.png   DIR/trimap2/GT01.png

  The dataset name is DIR's name and the split is the trimap set (``trimap1``/``trimap2``).

Trimap sets are the sub-folders whose name starts with ``trimap``; with more than one, the
caller must pick one (``trimap_set``) and the error lists them.

Example:
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from human2k.images import write_png
    >>> d = Path(tempfile.mkdtemp()) / "test"
    >>> write_png(d / "merged/cat_0.png", np.zeros((2, 2, 3), np.uint8))
    >>> write_png(d / "alpha/cat.png", np.zeros((2, 2), np.uint8))
    >>> write_png(d / "trimaps/cat_0.png", np.zeros((2, 2), np.uint8))
    >>> ds = discover_dataset(d)
    >>> ds.layout, ds.split, [(s.name, s.alpha.name) for s in ds.samples]
    ('composite', 'test', [('cat_0', 'cat.png')])
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from human2k.errors import DatasetError
from human2k.manifest import split_identity_sha256
from human2k.paths import image_files, lookup_stem, natural_key, safe_component

__all__ = ["Sample", "Dataset", "discover_dataset"]


@dataclasses.dataclass(frozen=True)
class Sample:
    """One scored image: its name (file stem) and three paths."""

    name: str
    image: Path
    alpha: Path
    trimap: Path


@dataclasses.dataclass(frozen=True)
class Dataset:
    """A discovered dataset folder.

    Attributes:
        root: the folder given.
        layout: ``composite`` or ``alphamatting``.
        name: dataset name for the results tree (``comp1k``, ``alphamatting``...).
        split: ``test`` / ``train`` (composite), the trimap set (alphamatting).
        trimap_set: the trimap folder used (``trimaps``, ``trimap1``...).
        trimap_source: what the run record calls the trimaps (manifest's word, else the folder).
        manifest_sha256: SHA-256 of the manifest.json found ('' when none).
        samples: the triplets, natural-sorted by name.
        manifest_path: the manifest.json found (in the folder or its parent), or None.
    """

    root: Path
    layout: str
    name: str
    split: str
    trimap_set: str
    trimap_source: str
    manifest_sha256: str
    samples: tuple[Sample, ...]
    manifest_path: Path | None = None


def _find_manifest(root: Path) -> Path | None:
    for cand in (root / "manifest.json", root.parent / "manifest.json"):
        if cand.is_file():
            return cand
    return None


def _manifest_info(path: Path | None, split: str) -> tuple[str, dict[str, Any]]:
    """(identity hash, parsed manifest). A composite manifest identifies the scored split by its
    files' pixel hashes (``split_identity_sha256``: rebuilding the same data gives the same
    hash); any other manifest.json by the SHA-256 of its bytes."""
    if path is None:
        return "", {}
    data = path.read_bytes()
    try:
        parsed = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DatasetError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(parsed, dict):
        return hashlib.sha256(data).hexdigest(), {}
    identity = split_identity_sha256(parsed, split) if path.parent.name != split else ""
    return identity or hashlib.sha256(data).hexdigest(), parsed


def _pick_trimap_set(root: Path, trimap_set: str | None) -> str:
    sets = sorted(
        (p.name for p in root.iterdir() if p.is_dir() and p.name.lower().startswith("trimap")),
        key=natural_key,
    )
    if trimap_set is not None:
        if trimap_set not in sets:
            listed = ", ".join(sets) if sets else "none"
            raise DatasetError(f"{root}: no trimap set {trimap_set!r}; available: {listed}")
        return trimap_set
    if not sets:
        raise DatasetError(
            f"{root}: no trimap folder (expected trimaps/ or trimap1/, trimap2/ ...)"
        )
    if len(sets) > 1:
        raise DatasetError(
            f"{root}: several trimap sets, choose one: {', '.join(sets)}", param="trimap_set"
        )
    return sets[0]


def _match(root: Path, image_dir: Path, alpha_dir: Path, trimap_dir: Path) -> tuple[Sample, ...]:
    images, alphas, trimaps = (
        image_files(image_dir),
        image_files(alpha_dir),
        image_files(trimap_dir),
    )
    if not images:
        raise DatasetError(f"{image_dir}: no images found")
    samples, missing = [], []
    for stem in sorted(images, key=natural_key):
        a, t = lookup_stem(alphas, stem), lookup_stem(trimaps, stem)
        if a is None or t is None:
            missing.append(
                f"{stem} ({'alpha' if a is None else ''}{'+' if a is None and t is None else ''}"
                f"{'trimap' if t is None else ''})"
            )
            continue
        samples.append(Sample(stem, images[stem], a, t))
    if missing:
        shown = ", ".join(missing[:5]) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise DatasetError(
            f"{root}: {len(missing)} image(s) without GT alpha or trimap in "
            f"{alpha_dir.name}/ / {trimap_dir.name}/: {shown}"
        )
    return tuple(samples)


def _label(manifest: dict[str, Any], path: Path | None, folder_name: str) -> str:
    """The dataset's name in the results tree: the manifest's ``dataset_label`` / ``dataset``
    (it becomes a folder name, so it must be one: a manifest travels with data others built),
    else the folder's name."""
    for key in ("dataset_label", "dataset"):
        value = manifest.get(key)
        if value:
            return safe_component(str(value), source=(path, None), what=f"{key}")
    return folder_name


def discover_dataset(dataset_dir: str | os.PathLike, *, trimap_set: str | None = None) -> Dataset:
    """Recognise the layout of DATASET_DIR and list its triplets.

    Args:
        dataset_dir: a composite split folder (``merged/``) or an alphamatting folder (``image/``).
        trimap_set: trimap folder to use; required when there are several.

    Raises:
        DatasetError: unknown layout, missing folders, several trimap sets and none chosen,
            or images without an alpha / trimap (the message lists the first few).
        UnsafePathError: the manifest's dataset label is not a plain folder name.
    """
    root = Path(dataset_dir)
    if not root.is_dir():
        raise DatasetError(f"{root}: dataset folder not found")
    if not (root / "alpha").is_dir():
        raise DatasetError(
            f"{root}: no alpha/ folder (expected merged/ + alpha/ + trimaps/, "
            f"or image/ + alpha/ + trimap1/ ...)"
        )
    manifest_path = _find_manifest(root)
    manifest_sha, manifest = _manifest_info(manifest_path, root.name)
    chosen = _pick_trimap_set(root, trimap_set)
    if (root / "merged").is_dir():
        samples = _match(root, root / "merged", root / "alpha", root / chosen)
        name = _label(manifest, manifest_path, root.resolve().parent.name)
        split = str(manifest.get("split") or root.name)
        words = (manifest.get("trimap_source"), manifest.get("trimaps"))
        source = next((w for w in words if isinstance(w, str) and w), chosen)
        return Dataset(
            root, "composite", name, split, chosen, source, manifest_sha, samples, manifest_path
        )
    if (root / "image").is_dir():
        samples = _match(root, root / "image", root / "alpha", root / chosen)
        name = _label(manifest, manifest_path, root.resolve().name)
        return Dataset(
            root, "alphamatting", name, chosen, chosen, chosen, manifest_sha, samples, manifest_path
        )
    raise DatasetError(
        f"{root}: unknown layout: neither merged/ (composite output) nor image/ (alphamatting)"
    )
