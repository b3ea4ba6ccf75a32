"""What each button of the website does, as plain functions (no Gradio here).

:class:`ServeContext` holds what the server loaded at start (models on offer, hidden-GT
benchmarks, the submissions store, the results view) and answers the page's requests with
files, data frames and text. Errors are :class:`~human2k.errors.MattebenchError` with messages
safe to show (no server path); :mod:`benchmark.serve.app` shows them in the page.

Example:
    >>> import tempfile
    >>> ctx = ServeContext(ServeConfig(data_dir=tempfile.mkdtemp()))
    >>> ctx.model_labels()[:2], ctx.benchmark_names()
    (['closed_form', 'knn'], [])
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import shutil
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmark.metrics.scales import METRIC_NAMES, METRICS
from benchmark.serve import matting, model_menu
from benchmark.serve.hidden_gt import HiddenBenchmark, load_benchmarks, score_upload
from benchmark.serve.leaderboard_view import ResultsView, submissions_frame
from benchmark.serve.limits import ServeLimits
from benchmark.serve.store import Submission, SubmissionStore, validate_fields
from human2k.errors import InputError
from human2k.images import read_alpha
from human2k.manifest import sha256_file
from human2k.paths import check_not_overlapping

__all__ = ["ServeConfig", "ServeContext", "scores_frame", "empty_scores_frame", "OUTPUT_MAX_AGE_S"]

log = logging.getLogger("mattebench.serve")

#: Result files (alpha, cut-out, composite) older than this are deleted from DATA_DIR/outputs.
OUTPUT_MAX_AGE_S = 3600


@dataclasses.dataclass
class ServeConfig:
    """What ``mattebench serve`` was started with.

    Attributes:
        data_dir: the server's own folder: ``submissions.sqlite``, ``outputs/``, ``work/``,
            ``cache/`` (Gradio's uploads).
        results: a ``mattebench score`` results folder for the leaderboards tab (optional).
        benchmarks: hidden-GT split folders for the evaluation tab.
        models_dir: a folder of checkpoints offered in the matting tab (optional).
        limits: see :class:`~benchmark.serve.limits.ServeLimits`.
    """

    data_dir: str | os.PathLike
    results: str | os.PathLike | None = None
    benchmarks: Sequence[str | os.PathLike] = ()
    models_dir: str | os.PathLike | None = None
    limits: ServeLimits = dataclasses.field(default_factory=ServeLimits)


def scores_frame(result) -> pd.DataFrame:
    """Per-image rows and a final ``mean`` row of an :class:`EvalResult`, in the stored DIM
    scales of ``mattebench eval`` (SAD/1e3, MSE raw, Grad/1e3, Conn/1e3); NaN stays NaN."""
    headers = ["image"] + [METRICS[m].header(result.region) for m in METRIC_NAMES]
    rows = [[r["image"], *(float(r[m]) for m in METRIC_NAMES)] for r in result.records]
    rows.append([f"mean ({len(result.records)} images)", *(result.means[m] for m in METRIC_NAMES)])
    return pd.DataFrame(rows, columns=headers)


def empty_scores_frame(region: str = "unknown") -> pd.DataFrame:
    """The scores table before anything is scored (its headers only)."""
    return pd.DataFrame(columns=["image"] + [METRICS[m].header(region) for m in METRIC_NAMES])


class ServeContext:
    """Everything the pages need, loaded once at start.

    Raises:
        MattebenchError: a benchmark folder, models folder or results folder is unusable
            (the message names it; this is for the operator starting the server).
    """

    def __init__(self, config: ServeConfig):
        self.config = config
        self.limits = config.limits
        self.data_dir = Path(config.data_dir)
        inputs = {"the results folder": config.results, "the models folder": config.models_dir}
        inputs.update({f"the benchmark {b}": b for b in config.benchmarks})
        check_not_overlapping(self.data_dir, inputs, param="data_dir")  # before any write
        self.outputs = self.data_dir / "outputs"
        self.work = self.data_dir / "work"
        for folder in (self.outputs, self.work):
            folder.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.work, ignore_errors=True)  # left by a killed evaluation
        self.work.mkdir(parents=True, exist_ok=True)
        choices, self.skipped_checkpoints = model_menu.find_models(config.models_dir)
        self.pool = model_menu.ModelPool(choices)
        self.benchmarks: dict[str, HiddenBenchmark] = {}
        for root in config.benchmarks:
            for bench in load_benchmarks(root):
                if bench.name in self.benchmarks:
                    raise InputError(root, f"a second benchmark named {bench.name!r}")
                self.benchmarks[bench.name] = bench
        self.store = SubmissionStore(self.data_dir)
        hidden = [b.root for b in self.benchmarks.values()]
        self.results = ResultsView(config.results, hidden_roots=hidden) if config.results else None

    # ------------------------------------------------------------------ matting

    def model_labels(self) -> list[str]:
        return self.pool.labels

    def _new_output_dir(self) -> Path:
        now = time.time()
        for old in self.outputs.iterdir():
            try:
                if now - old.stat().st_mtime > OUTPUT_MAX_AGE_S:
                    shutil.rmtree(old, ignore_errors=True)
            except OSError:
                continue
        folder = self.outputs / uuid.uuid4().hex
        folder.mkdir()
        return folder

    def matte(
        self, image: str | None, trimap: str | None, model: str, quantize_trimap: bool = False
    ) -> tuple[str, dict[str, Any]]:
        """Alpha PNG path and what happened (model, size, seconds) for an image and trimap file."""
        img, tri = matting.read_inputs(
            image, trimap, max_pixels=self.limits.max_matte_pixels, quantize_trimap=quantize_trimap
        )
        net = self.pool.get(model)
        alpha, seconds = matting.matte(net, img, tri)
        path = matting.save_png(alpha, self._new_output_dir(), "alpha.png")
        info = {
            "model": model,
            "width": int(img.shape[1]),
            "height": int(img.shape[0]),
            "seconds": seconds,
            "unknown_pixels": int((tri == 128).sum()),
        }
        log.info("matte %s %dx%d in %.2f s", model, img.shape[1], img.shape[0], seconds)
        return path, info

    def finish(
        self,
        image: str | None,
        alpha: str | None,
        colour: str,
        background: str | None,
        info: dict[str, Any] | None,
    ) -> tuple[str, str, str, str]:
        """(composite PNG, alpha PNG, RGBA cut-out PNG, summary text) after :meth:`matte`."""
        if not image or not alpha:
            raise InputError(None, "run the matting first")
        rgb = matting.read_image(image, max_pixels=self.limits.max_matte_pixels)
        a = read_alpha(alpha)
        if a.shape != rgb.shape[:2]:
            raise InputError(None, "the alpha does not belong to this image; run the matting again")
        start = time.perf_counter()
        comp, rgba = matting.cutout(
            rgb, a, colour=colour, background=background, max_pixels=self.limits.max_matte_pixels
        )
        fg_seconds = time.perf_counter() - start
        out = self._new_output_dir()
        comp_path = matting.save_png(comp, out, "composite.png")
        rgba_path = matting.save_png(rgba, out, "cutout.png")
        alpha_path = matting.save_png(a, out, "alpha.png")
        info = info or {}
        text = (
            f"**{info.get('model', '?')}**: alpha in {info.get('seconds', math.nan):.2f} s for "
            f"{rgb.shape[1]}×{rgb.shape[0]} px ({info.get('unknown_pixels', 0)} unknown); "
            f"foreground estimation (pymatting, multilevel) {fg_seconds:.2f} s."
        )
        return comp_path, alpha_path, rgba_path, text

    def trimap_from_drawing(
        self, editor: dict[str, Any] | None, image: str | None, unpainted: str = "unknown"
    ) -> str:
        """Trimap PNG from the editor's brush layers (see :func:`matting.trimap_from_layers`)."""
        if not image:
            raise InputError("image", "upload an image first")
        size = matting.check_pixels(image, self.limits.max_matte_pixels, label="image")
        shape = (size[1], size[0])
        layers = list((editor or {}).get("layers") or [])
        if not layers:
            raise InputError("drawing", "nothing is painted; paint foreground and background")
        fitted = []
        for layer in layers:
            if layer is None:
                fitted.append(None)
                continue
            layer = np.asarray(layer)
            if layer.shape[:2] != shape:
                from PIL import Image

                layer = np.asarray(
                    Image.fromarray(layer).resize((shape[1], shape[0]), Image.NEAREST)
                )
            fitted.append(layer)
        trimap = matting.trimap_from_layers(fitted, shape, matting.LAYERS, unpainted=unpainted)
        return matting.save_png(trimap, self._new_output_dir(), "trimap.png")

    def trimap_from_mask(self, mask: str | None, width: int, image: str | None) -> str:
        """Trimap PNG from a coarse mask file with an unknown band WIDTH pixels wide."""
        if not mask:
            raise InputError("mask", "upload a coarse mask")
        m = matting.read_mask(mask, max_pixels=self.limits.max_matte_pixels)
        if image:
            w, h = matting.check_pixels(image, self.limits.max_matte_pixels, label="image")
            if (w, h) != (0, 0) and m.shape != (h, w):
                raise InputError(
                    "mask",
                    f"size {m.shape[1]}x{m.shape[0]} does not match the image {w}x{h} (W×H)",
                )
        trimap = matting.trimap_from_mask(m, width)
        return matting.save_png(trimap, self._new_output_dir(), "trimap.png")

    # ------------------------------------------------------------------ evaluation

    def benchmark_names(self) -> list[str]:
        return list(self.benchmarks)

    def _bench(self, name: str) -> HiddenBenchmark:
        bench = self.benchmarks.get(name or "")
        if bench is None:
            raise InputError(None, f"no benchmark {name!r} on this server")
        return bench

    def describe(self, name: str) -> str:
        if not name:
            return "No benchmark is hosted here (start the server with --benchmark DIR)."
        bench = self._bench(name)
        other = self.store.count_other_versions(bench.name, bench.fingerprint)
        note = (
            f"\n\n{other} submission(s) scored against an earlier version of this benchmark's GT "
            "are kept in the database but not ranked."
            if other
            else ""
        )
        return bench.describe() + note

    def evaluate(
        self,
        benchmark: str,
        zip_file: str | None,
        name: str = "",
        publish: bool = False,
        method: str = "",
        link: str = "",
    ) -> tuple[pd.DataFrame, int | None]:
        """Score an uploaded zip; with PUBLISH, store it on the leaderboard.

        Returns:
            The scores table (:func:`scores_frame`) and the submission id (None unless published).
        """
        bench = self._bench(benchmark)
        if not zip_file:
            raise InputError(None, "upload a zip of predicted alpha PNGs")
        if publish:
            validate_fields(name, method, link)  # before the work, so a typo costs nothing
        result = score_upload(bench, zip_file, self.limits, work_dir=self.work)
        frame = scores_frame(result)
        sid = None
        if publish:
            sid = self.store.add(
                Submission(
                    benchmark=bench.name,
                    fingerprint=bench.fingerprint,
                    name=name,
                    method=method,
                    link=link,
                    means=dict(result.means),
                    n_images=len(result.records),
                    per_image=[
                        {"image": r["image"], **{m: float(r[m]) for m in METRIC_NAMES}}
                        for r in result.records
                    ],
                    protocol=result.protocol(),
                    upload_sha256=sha256_file(zip_file),
                )
            )
        log.info(
            "evaluate %s: %d images, SAD %.4g%s",
            bench.name,
            len(result.records),
            result.means["sad"],
            f", published as #{sid}" if sid else "",
        )
        return frame, sid

    def leaderboard(self, benchmark: str) -> pd.DataFrame:
        """The published submissions of BENCHMARK (current GT only), best SAD first."""
        if not benchmark:
            return submissions_frame([])
        bench = self._bench(benchmark)
        return submissions_frame(self.store.list(bench.name, bench.fingerprint))
