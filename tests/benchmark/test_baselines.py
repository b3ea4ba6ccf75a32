"""Classical baselines (pymatting solvers + trimap_only) and the per-image time budget."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from benchmark.models.classical import SOLVERS, PymattingSolver
from benchmark.models.registry import create_model, list_models, model_info
from human2k.errors import InputError, ModelError
from human2k.processes import TimeBudgetExceeded, call_with_budget, run_budgeted

CLASSICAL = ["closed_form", "knn", "lkm", "random_walk"]
# Mean |alpha - GT| over the unknown band of the synthetic ramp (trimap_only scores 0.4).
MAX_MEAN_ERROR = {"closed_form": 0.01, "lkm": 0.01, "random_walk": 0.03, "knn": 0.1}


def ramp_scene(h: int = 48, w: int = 48, seed: int = 0):
    """Two-colour composite with a horizontal alpha ramp: the colour-line model holds exactly."""
    rng = np.random.default_rng(seed)
    x = np.arange(w, dtype=np.float64)
    alpha = np.clip((x - 18) / 12, 0, 1)[None].repeat(h, 0)
    fg, bg = np.array([230.0, 60.0, 40.0]), np.array([30.0, 80.0, 210.0])
    img = alpha[..., None] * fg + (1 - alpha[..., None]) * bg + rng.normal(0, 2, (h, w, 3))
    img = np.clip(np.rint(img), 0, 255).astype(np.uint8)
    tri = np.full((h, w), 128, np.uint8)
    tri[:, :8] = 0
    tri[:, 38:] = 255
    return img, tri, alpha.astype(np.float32)


def test_all_registered_as_classical():
    assert set(CLASSICAL + ["trimap_only"]) <= set(list_models(kind="classical"))
    for name in CLASSICAL:
        info = model_info(name)
        assert (info.provenance, info.kind) == ("classical", "classical")
        assert info.paper and "pymatting" in info.license.lower() and info.description


@pytest.mark.parametrize("name", CLASSICAL)
def test_solver_recovers_ramp(name):
    img, tri, gt = ramp_scene()
    alpha = create_model(name).predict(img, tri)
    assert alpha.dtype == np.float32 and alpha.shape == tri.shape
    assert alpha.min() >= 0.0 and alpha.max() <= 1.0
    unknown = tri == 128
    err = float(np.abs(alpha - gt)[unknown].mean())
    floor = float(np.abs(create_model("trimap_only").predict(img, tri) - gt)[unknown].mean())
    assert err < MAX_MEAN_ERROR[name], err
    assert err < floor / 4


def test_closed_form_keeps_known_pixels_exactly():
    img, tri, _ = ramp_scene()
    alpha = create_model("closed_form").predict(img, tri)
    assert np.all(alpha[tri == 0] == 0.0) and np.all(alpha[tri == 255] == 1.0)


def test_config_records_effective_options():
    m = create_model("closed_form", laplacian_kwargs={"epsilon": 1e-5}, cg_kwargs={"maxiter": 50})
    assert m.config["laplacian_kwargs"] == {"epsilon": 1e-5, "radius": 1}
    assert m.config["cg_kwargs"]["maxiter"] == 50 and m.config["cg_kwargs"]["rtol"] == 1e-7
    assert m.config["solver"] == "pymatting.estimate_alpha_cf"
    assert create_model("lkm").config["laplacian_kwargs"] == {"epsilon": 1e-7, "radius": 10}
    assert set(SOLVERS) == set(CLASSICAL)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"laplacian_kwargs": {"eps": 1}}, "unknown laplacian option"),
        ({"cg_kwargs": {"tol": 1}}, "unknown cg option"),
        ({"foo": 1}, "unknown option"),
        ({"checkpoint": "w.pth"}, "takes no checkpoint"),
    ],
)
def test_bad_options_raise_model_error(kwargs, match):
    with pytest.raises(ModelError, match=match):
        create_model("knn", **kwargs)


def test_unknown_solver():
    with pytest.raises(ModelError, match="closed_form"):
        PymattingSolver("bayesian")


def test_no_unknown_pixels_returns_trimap():
    img, tri, _ = ramp_scene()
    tri = np.where(tri == 128, 0, tri).astype(np.uint8)
    for name in CLASSICAL:
        np.testing.assert_array_equal(
            create_model(name).predict(img, tri), (tri == 255).astype(np.float32)
        )


@pytest.mark.parametrize("name", CLASSICAL)
def test_one_sided_trimaps_give_the_constant_solution(name):
    """Comp-1K has trimaps with no 255 region; pymatting raises there, we return the exact
    minimiser (constants are in the Laplacian's null space)."""
    img, tri, _ = ramp_scene()
    no_fg = np.where(tri == 255, 128, tri).astype(np.uint8)
    no_bg = np.where(tri == 0, 128, tri).astype(np.uint8)
    np.testing.assert_array_equal(
        create_model(name).predict(img, no_fg), np.zeros(tri.shape, np.float32)
    )
    np.testing.assert_array_equal(
        create_model(name).predict(img, no_bg), np.ones(tri.shape, np.float32)
    )
    assert np.all(create_model(name).predict(img, np.full_like(tri, 128)) == 0.5)


def test_input_errors():
    img, tri, _ = ramp_scene()
    with pytest.raises(InputError, match="does not match"):
        create_model("closed_form").predict(img, tri[:-1])
    with pytest.raises(InputError, match="uint8"):
        create_model("closed_form").predict(img.astype(np.float32), tri)
    with pytest.raises(InputError, match="needs both sides >= 41"):
        create_model("lkm").predict(img[:30, :30], tri[:30, :30])


# --- time budget -------------------------------------------------------------------------------


def _boom(x):
    raise ValueError(f"bad {x}")


def _die(code):
    os._exit(code)


def test_call_with_budget_returns_value_and_times_out():
    assert call_with_budget(divmod, 7, 2, budget_s=30) == (3, 1)
    t0 = time.monotonic()
    with pytest.raises(TimeBudgetExceeded, match="0.3 s"):
        call_with_budget(time.sleep, 30, budget_s=0.3)
    assert time.monotonic() - t0 < 25  # killed, not waited for


def test_run_budgeted_reports_each_outcome():
    items = [("medium", (4,)), ("slow", (30,)), ("fast", (0,))]
    out = {o.key: o for o in run_budgeted(time.sleep, items, budget_s=0.5, workers=2)}
    assert set(out) == {"medium", "slow", "fast"}
    assert out["medium"].status == "timeout" and out["slow"].status == "timeout"
    assert out["slow"].seconds == 0.5 and "time budget" in out["slow"].error
    assert out["fast"].status == "ok" and out["fast"].seconds >= 0


def test_run_budgeted_errors_and_dead_workers():
    out = list(run_budgeted(_boom, [("a", (1,))], budget_s=None))
    assert out[0].status == "error" and "ValueError: bad 1" in out[0].error
    out = list(run_budgeted(_die, [("b", (3,))], budget_s=30))
    assert out[0].status == "error" and "exit code 3" in out[0].error
    with pytest.raises(ValueError):
        list(run_budgeted(abs, [], budget_s=1, workers=0))


def test_solver_in_child_after_parallel_numba_in_parent():
    """lkm runs Numba parallel kernels; a forked child must still run it (GNU OpenMP aborts)."""
    img, tri, _ = ramp_scene()
    model = create_model("lkm")
    expected = model.predict(img, tri)  # parallel kernels have now run in this process
    (out,) = run_budgeted(model.predict, [("x", (img, tri))], budget_s=120)
    assert out.status == "ok", out.error
    np.testing.assert_allclose(out.value, expected, atol=1e-6)


def test_fork_path_in_fresh_process():
    """As `score` does it: pick the start method first, warm up lkm, then fork per image."""
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "import numpy as np\n"
        "from human2k.processes import default_start_method, run_budgeted\n"
        "from benchmark.models.classical import PymattingSolver\n"
        "method = default_start_method()\n"
        "m = PymattingSolver('lkm'); m.warmup()\n"
        "img = np.random.default_rng(0).integers(0, 256, (48, 48, 3), dtype=np.uint8)\n"
        "tri = np.full((48, 48), 128, np.uint8); tri[:4] = 0; tri[-4:] = 255\n"
        "(o,) = run_budgeted(m.predict, [(0, (img, tri))], budget_s=60, start_method=method)\n"
        "print(method, o.status, o.error)\n"
    )
    root = Path(__file__).resolve().parents[2]
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 0, res.stderr
    method, status = res.stdout.split()[:2]
    assert status == "ok", res.stdout + res.stderr
    if sys.platform.startswith("linux"):
        assert method == "fork"


def test_spawn_fallback_runs_the_solver():
    """Where fork is unavailable or unsafe, the model is pickled into a spawned child."""
    img, tri, _ = ramp_scene()
    model = create_model("random_walk")
    (out,) = run_budgeted(model.predict, [("x", (img, tri))], budget_s=120, start_method="spawn")
    assert out.status == "ok", out.error
    np.testing.assert_array_equal(out.value, model.predict(img, tri))
