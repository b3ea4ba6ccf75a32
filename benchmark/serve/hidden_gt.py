"""Hidden-GT benchmarks: score an uploaded zip of predictions exactly as ``mattebench eval`` does.

A benchmark is a test split on the server's disk in one of the layouts of
:func:`benchmark.scoring.datasets.discover_dataset` (composite: ``merged/ alpha/ trimaps/``;
alphamatting: ``image/ alpha/ trimap1/ ...``, one benchmark per trimap set). Its name is
``{dataset}-{split}`` (``human2k-test``, ``alphamatting-trimap1``). Users get the images and
trimaps elsewhere; the ``alpha/`` folder never leaves the server: no route serves it, nothing
lists it, and :func:`public_message` rewrites every path in an error before a user sees it.

:func:`score_upload` extracts the PNGs with :mod:`benchmark.serve.zip_safety`, refuses a
prediction with more pixels than the largest test image (from its header), then calls
:func:`benchmark.scoring.evaluate.pair_files` and :func:`~benchmark.scoring.evaluate.evaluate_triplets`
— the functions of ``mattebench eval`` — so the numbers, and the one-line messages for wrong
names, sizes and modes, are the CLI's (with ``upload/NAME.png`` in place of the file path).
Missing predictions are an error: a leaderboard ranks complete submissions only.

The fingerprint of a benchmark is its manifest's identity hash when there is a manifest, else
the SHA-256 over the names and bytes of its GT alphas and trimaps; published submissions are
stored with it, so a changed test set never shares a leaderboard with old numbers.

Example:
    >>> import tempfile, numpy as np, pathlib, zipfile
    >>> from human2k.images import write_png
    >>> root = pathlib.Path(tempfile.mkdtemp()) / "toy" / "test"
    >>> write_png(root / "merged/cat_0.png", np.zeros((4, 4, 3), np.uint8))
    >>> write_png(root / "alpha/cat.png", np.full((4, 4), 255, np.uint8))
    >>> write_png(root / "trimaps/cat_0.png", np.full((4, 4), 128, np.uint8))
    >>> [bench] = load_benchmarks(root)
    >>> bench.name, bench.names
    ('toy-test', ('cat_0.png',))
    >>> write_png(root.parent / "p/cat_0.png", np.zeros((4, 4), np.uint8))
    >>> with zipfile.ZipFile(root.parent / "sub.zip", "w") as z:
    ...     z.write(root.parent / "p/cat_0.png", "cat_0.png")
    >>> result = score_upload(bench, root.parent / "sub.zip", ServeLimits(), work_dir=root.parent / "w")
    >>> result.means["sad"]
    0.016
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from benchmark.scoring.datasets import discover_dataset
from benchmark.scoring.evaluate import EvalResult, evaluate_triplets, pair_files
from benchmark.serve.limits import ServeLimits, check_pixels
from benchmark.serve.zip_safety import extract_pngs
from human2k.errors import DatasetError, InputError, MattebenchError
from human2k.manifest import sha256_file
from human2k.paths import natural_key

__all__ = ["HiddenBenchmark", "load_benchmarks", "score_upload", "public_message", "UPLOAD_LABEL"]

#: How messages name the uploaded archive and the folder of its predictions.
UPLOAD_LABEL = "upload"
_HIDDEN = "[hidden GT]"


@dataclasses.dataclass(frozen=True)
class HiddenBenchmark:
    """One benchmark the server scores against.

    Attributes:
        name: ``{dataset}-{split}`` as shown to users.
        root: the split folder (private).
        gt_dir, trimap_dir: its ``alpha/`` and trimap folder (private paths).
        names: the expected prediction file names (the trimaps' names), natural order.
        fingerprint: identity of the GT and trimaps (see the module docstring).
        max_pixels: pixels of the largest test image (the limit for a prediction).
        layout: ``composite`` or ``alphamatting``.
    """

    name: str
    root: Path
    gt_dir: Path
    trimap_dir: Path
    names: tuple[str, ...]
    fingerprint: str
    max_pixels: int
    layout: str

    def describe(self) -> str:
        """What a user needs to know to submit, in Markdown (no server path)."""
        shown = ", ".join(f"`{n}`" for n in self.names[:3])
        more = f" … (+{len(self.names) - 3} more)" if len(self.names) > 3 else ""
        return (
            f"**{self.name}**: {len(self.names)} test images ({shown}{more}). Upload one zip "
            f"with a predicted alpha PNG per test image, named like the image, at the top "
            f"level or in one folder. Scored region: unknown (trimap = 128), DIM MATLAB "
            f"metrics, GT fingerprint `{self.fingerprint[:12]}`."
        )


def _fingerprint(manifest_sha: str, gt_dir: Path, trimap_dir: Path) -> str:
    if manifest_sha:
        return manifest_sha
    h = hashlib.sha256()
    for folder in (gt_dir, trimap_dir):
        for p in sorted(folder.iterdir(), key=lambda p: p.name):
            if p.is_file() and p.suffix.lower() == ".png":
                h.update(f"{folder.name}/{p.name}\0{sha256_file(p)}\n".encode())
    return h.hexdigest()


def _trimap_sets(root: Path) -> list[str | None]:
    sets = sorted(
        (p.name for p in root.iterdir() if p.is_dir() and p.name.lower().startswith("trimap")),
        key=natural_key,
    )
    return sets if len(sets) > 1 else [None]


def load_benchmarks(root: str | os.PathLike) -> list[HiddenBenchmark]:
    """The benchmark(s) of one split folder: one per trimap set.

    Raises:
        DatasetError: the folder is not a dataset split (the message of ``discover_dataset``),
            or it has no PNG trimap.
    """
    root = Path(root)
    out = []
    for trimap_set in _trimap_sets(root) if root.is_dir() else [None]:
        ds = discover_dataset(root, trimap_set=trimap_set)
        trimap_dir, gt_dir = root / ds.trimap_set, root / "alpha"
        names = tuple(
            sorted(
                (p.name for p in trimap_dir.iterdir() if p.suffix.lower() == ".png"),
                key=natural_key,
            )
        )
        if not names:
            raise DatasetError(f"{trimap_dir}: no PNG trimaps (predictions are named like them)")
        biggest = max(
            w * h for w, h in (check_pixels(trimap_dir / n, 2**62, label=n) for n in names)
        )
        out.append(
            HiddenBenchmark(
                name=f"{ds.name}-{ds.split}",
                root=root,
                gt_dir=gt_dir,
                trimap_dir=trimap_dir,
                names=names,
                fingerprint=_fingerprint(ds.manifest_sha256, gt_dir, trimap_dir),
                max_pixels=biggest,
                layout=ds.layout,
            )
        )
    return out


def public_message(exc: BaseException, bench: HiddenBenchmark, pred_dir: Path | None) -> str:
    """The one-line message of EXC with every server path replaced: the upload's folder by
    ``upload``, the trimaps by ``{benchmark}/trimaps``, the GT by ``[hidden GT]``. A message that
    would still name a server folder is replaced by a generic one."""
    text = str(exc)
    swaps = []
    if pred_dir is not None:
        swaps.append((pred_dir, UPLOAD_LABEL))
    swaps += [
        (bench.trimap_dir, f"{bench.name}/{bench.trimap_dir.name}"),
        (bench.gt_dir, _HIDDEN),
        (bench.root, f"{bench.name}"),
    ]
    for path, label in swaps:
        for form in {str(path.resolve()), str(path)}:
            text = text.replace(form, label)
    private = [str(bench.root), str(bench.root.resolve())]
    if pred_dir is not None:
        private += [str(pred_dir.parent), str(pred_dir.parent.resolve())]
    if any(p in text for p in private):
        return "the upload could not be scored (an internal path was involved; the error is logged on the server)"
    return text


def score_upload(
    bench: HiddenBenchmark,
    zip_path: str | os.PathLike,
    limits: ServeLimits,
    *,
    work_dir: str | os.PathLike | None = None,
) -> EvalResult:
    """Score a zip of predictions against BENCH's hidden GT (unknown region, one process).

    Args:
        bench: the benchmark.
        zip_path: the uploaded archive.
        limits: upload and archive limits.
        work_dir: where a private temporary folder is made (default: the system's); it is
            removed before returning, whatever happens.

    Returns:
        The :class:`~benchmark.scoring.evaluate.EvalResult` of ``mattebench eval``.

    Raises:
        InputError: a refused upload or prediction, with a message safe to show to the user.
    """
    size = os.path.getsize(zip_path)
    if size > limits.max_upload_bytes:
        raise InputError(
            UPLOAD_LABEL, f"{size} bytes is over the upload limit of {limits.max_upload_mb} MiB"
        )
    if work_dir is not None:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="eval-", dir=work_dir))
    pred_dir = tmp / "pred"
    try:
        files = extract_pngs(zip_path, pred_dir, limits, label=f"{UPLOAD_LABEL}.zip")
        for path in files:
            check_pixels(path, bench.max_pixels, label=f"{UPLOAD_LABEL}/{path.name}")
        triplets = pair_files(pred_dir, bench.gt_dir, bench.trimap_dir)
        return evaluate_triplets(triplets, region="unknown", workers=1)
    except MattebenchError as exc:
        param = getattr(exc, "param", None)
        message = public_message(exc, bench, pred_dir)
        if param == "allow_missing_preds":
            message = (
                message.split(" (scoring a subset")[0]
                + " (the leaderboard ranks complete submissions only)"
            )
        raise InputError(None, message) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
