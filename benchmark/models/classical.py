"""Classical alpha solvers from pymatting, behind the registry's ``predict`` interface.

Four sparse-Laplacian solvers are registered: ``closed_form`` (Levin et al.), ``knn``
(Chen et al.), ``lkm`` (He et al.) and ``random_walk`` (Grady et al.). Each wraps one
``pymatting.estimate_alpha_*`` function: the image is scaled to float64 [0, 1], the trimap to
[0, 1] (pymatting's convention: ≤0.1 background, ≥0.9 foreground, else unknown) and the result
is clipped to float32 [0, 1]. The effective Laplacian and conjugate-gradient options, pymatting's
defaults included, are recorded in ``config`` so a run record says exactly what ran.

Solvers have no time limit of their own; ``benchmark.scoring.score`` runs each image in a child
process under a per-image budget (``human2k.processes``).

Example:
    >>> import numpy as np
    >>> m = closed_form()
    >>> img = np.zeros((8, 8, 3), np.uint8); img[:, 4:] = 255
    >>> tri = np.full((8, 8), 128, np.uint8); tri[:, 0] = 0; tri[:, -1] = 255
    >>> a = m.predict(img, tri)
    >>> a.dtype, a.shape, bool(a[:, :4].max() < 0.1), bool(a[:, 4:].min() > 0.9)
    (dtype('float32'), (8, 8), True, True)
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from benchmark.models.interface import MattingModel
from benchmark.models.registry import register_model
from human2k.errors import InputError, ModelError

__all__ = ["PymattingSolver", "closed_form", "knn", "lkm", "random_walk", "SOLVERS"]

#: model name -> (pymatting estimator, pymatting laplacian function) names.
SOLVERS: dict[str, tuple[str, str]] = {
    "closed_form": ("estimate_alpha_cf", "cf_laplacian"),
    "knn": ("estimate_alpha_knn", "knn_laplacian"),
    "lkm": ("estimate_alpha_lkm", "lkm_laplacian"),
    "random_walk": ("estimate_alpha_rw", "rw_laplacian"),
}

_LICENSE = "MIT (pymatting)"


def _defaults(fn, skip: tuple[str, ...]) -> dict[str, Any]:
    """Keyword defaults of FN, minus SKIP, as plain JSON-able values."""
    out = {}
    for name, p in inspect.signature(fn).parameters.items():
        if name in skip or p.default is inspect.Parameter.empty:
            continue
        out[name] = list(p.default) if isinstance(p.default, (list, tuple)) else p.default
    return out


def check_inputs(image: np.ndarray, trimap: np.ndarray) -> None:
    """Raise InputError unless IMAGE is uint8 H×W×3 and TRIMAP uint8 H×W of the same size."""
    image, trimap = np.asarray(image), np.asarray(trimap)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise InputError("image", f"expected uint8 H×W×3, got {image.dtype} {image.shape}")
    if trimap.ndim != 2 or trimap.dtype != np.uint8:
        raise InputError("trimap", f"expected uint8 H×W, got {trimap.dtype} {trimap.shape}")
    if trimap.shape != image.shape[:2]:
        raise InputError("trimap", f"size {trimap.shape} does not match image {image.shape[:2]}")


class PymattingSolver(MattingModel):
    """One pymatting estimator with fixed options.

    Args:
        method: a key of :data:`SOLVERS` (``closed_form``, ``knn``, ``lkm``, ``random_walk``).
        laplacian_kwargs: options of the pymatting Laplacian (e.g. ``{"epsilon": 1e-7}``).
        cg_kwargs: options of pymatting's conjugate-gradient solver (``rtol``, ``maxiter``).
    """

    def __init__(
        self,
        method: str,
        *,
        laplacian_kwargs: dict[str, Any] | None = None,
        cg_kwargs: dict[str, Any] | None = None,
    ):
        if method not in SOLVERS:
            raise ModelError(
                f"unknown pymatting solver {method!r}; choose from {', '.join(SOLVERS)}"
            )
        from human2k.processes import prefer_fork_safe_numba

        prefer_fork_safe_numba()  # before pymatting's import starts Numba's threads: stay forkable
        import pymatting

        est_name, lap_name = SOLVERS[method]
        self.method = method
        self._estimate = getattr(pymatting, est_name)
        lap_defaults = _defaults(
            getattr(pymatting, lap_name), skip=("image", "is_known", "return_diagonal")
        )
        cg_defaults = _defaults(
            pymatting.cg, skip=("A", "b", "x0", "M", "callback", "reorthogonalize")
        )
        unknown = set(laplacian_kwargs or {}) - set(lap_defaults)
        if unknown:
            raise ModelError(
                f"{method}: unknown laplacian option(s) {sorted(unknown)}; known: {sorted(lap_defaults)}"
            )
        unknown = set(cg_kwargs or {}) - set(cg_defaults)
        if unknown:
            raise ModelError(
                f"{method}: unknown cg option(s) {sorted(unknown)}; known: {sorted(cg_defaults)}"
            )
        self.laplacian_kwargs = {**lap_defaults, **(laplacian_kwargs or {})}
        self.cg_kwargs = {**cg_defaults, **(cg_kwargs or {})}
        self.config = {
            "solver": f"pymatting.{est_name}",
            "pymatting": pymatting.__version__,
            "laplacian_kwargs": dict(self.laplacian_kwargs),
            "cg_kwargs": dict(self.cg_kwargs),
        }

    def predict(self, image: np.ndarray, trimap: np.ndarray) -> np.ndarray:
        """Alpha as float32 H×W in [0, 1] for a uint8 RGB image and a {0,128,255} trimap."""
        check_inputs(image, trimap)
        if self.method == "lkm":
            need = 4 * int(self.laplacian_kwargs["radius"]) + 1
            if min(trimap.shape) < need:
                raise InputError(
                    "image",
                    f"lkm with radius {self.laplacian_kwargs['radius']} needs "
                    f"both sides >= {need} px, got {trimap.shape[1]}x{trimap.shape[0]}",
                )
        tri = trimap.astype(np.float64) / 255.0
        unknown = (tri > 0.1) & (tri < 0.9)
        if not unknown.any():  # nothing to solve; pymatting's CG would get an empty system
            return (tri >= 0.9).astype(np.float32)
        has_fg, has_bg = bool((tri >= 0.9).any()), bool((tri <= 0.1).any())
        if not (has_fg and has_bg):
            # Constants are in every matting Laplacian's null space, so with one kind of
            # constraint the exact solution is that constant (pymatting raises instead).
            # Comp-1K has test trimaps without a 255 region. Nothing known: 0.5 (undetermined).
            fill = 1.0 if has_fg else 0.0 if has_bg else 0.5
            return np.where(unknown, fill, tri >= 0.9).astype(np.float32)
        alpha = self._estimate(
            image.astype(np.float64) / 255.0,
            tri,
            laplacian_kwargs=dict(self.laplacian_kwargs),
            cg_kwargs=dict(self.cg_kwargs),
        )
        return np.clip(np.asarray(alpha, np.float32), 0.0, 1.0)

    def warmup(self) -> None:
        """Run once on a tiny image so Numba kernels are compiled/loaded before timing."""
        size = 4 * int(self.laplacian_kwargs.get("radius", 1)) + 8
        img = np.zeros((size, size, 3), np.uint8)
        img[:, size // 2 :] = 255
        tri = np.full((size, size), 128, np.uint8)
        tri[:, :3] = 0
        tri[:, -3:] = 255
        self.predict(img, tri)

    def __repr__(self) -> str:
        return f"PymattingSolver({self.method!r})"


def _build(name: str, laplacian_kwargs, cg_kwargs, kwargs: dict[str, Any]) -> PymattingSolver:
    if kwargs.pop("checkpoint", None) is not None:
        raise ModelError(
            f"{name} is a classical solver and takes no checkpoint", param="checkpoint"
        )
    if kwargs.pop("tag", None):
        raise ModelError(f"{name} has no tagged variants")
    if kwargs:
        raise ModelError(
            f"{name}: unknown option(s) {sorted(kwargs)}; use laplacian_kwargs / cg_kwargs"
        )
    return PymattingSolver(name, laplacian_kwargs=laplacian_kwargs, cg_kwargs=cg_kwargs)


_KIND = dict(provenance="classical", kind="classical", license=_LICENSE)


@register_model(paper="Levin, Lischinski & Weiss, TPAMI 2008 (closed-form matting)", **_KIND)
def closed_form(laplacian_kwargs=None, cg_kwargs=None, **kwargs) -> PymattingSolver:
    """Closed-form matting: matting Laplacian + incomplete-Cholesky CG (pymatting)."""
    return _build("closed_form", laplacian_kwargs, cg_kwargs, kwargs)


@register_model(paper="Chen, Li & Tang, TPAMI 2013 (KNN matting; pymatting variant)", **_KIND)
def knn(laplacian_kwargs=None, cg_kwargs=None, **kwargs) -> PymattingSolver:
    """KNN matting: nonlocal nearest-neighbour Laplacian + Jacobi CG (pymatting)."""
    return _build("knn", laplacian_kwargs, cg_kwargs, kwargs)


@register_model(paper="He, Sun & Tang, CVPR 2010 (large-kernel matting Laplacian)", **_KIND)
def lkm(laplacian_kwargs=None, cg_kwargs=None, **kwargs) -> PymattingSolver:
    """Large-kernel matting Laplacian (radius 10), matrix-free Jacobi CG (pymatting)."""
    return _build("lkm", laplacian_kwargs, cg_kwargs, kwargs)


@register_model(paper="Grady et al., VIIP 2005 (random walks for alpha matting)", **_KIND)
def random_walk(laplacian_kwargs=None, cg_kwargs=None, **kwargs) -> PymattingSolver:
    """Random-walk matting: colour-affinity graph Laplacian + Jacobi CG (pymatting)."""
    return _build("random_walk", laplacian_kwargs, cg_kwargs, kwargs)
